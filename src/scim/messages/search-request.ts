import { ScimError } from "../errors";
import { SEARCH_REQUEST_SCHEMA, type ScimJson } from "../types";

/** Most resources one page may hold; advertised as `filter.maxResults` in ServiceProviderConfig. */
export const MAX_RESULTS = 1000;
export const DEFAULT_COUNT = 100;

/** The list parameters of RFC 7644 §3.4.2, from a GET query string or a POST /.search body. */
export interface ListRequest {
  filter: string | null;
  sortBy: string | null;
  descending: boolean;
  /** 1-based, as in the protocol. */
  startIndex: number;
  count: number;
  attributes?: string | string[];
  excludedAttributes?: string | string[];
}

export function listRequestFromQuery(query: Record<string, unknown>): ListRequest {
  const get = (name: string) => {
    const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : query[key];
  };
  return buildListRequest(get);
}

/** RFC 7644 §3.4.3: the SearchRequest message. */
export function listRequestFromSearchBody(body: unknown): ListRequest {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw ScimError.invalidSyntax("the body must be a SearchRequest object");
  const json = body as ScimJson;
  const schemas = json.schemas;
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === "string" && s.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase()))) {
    throw ScimError.invalidSyntax(`schemas must contain ${SEARCH_REQUEST_SCHEMA}`);
  }
  return buildListRequest((name) => json[name]);
}

function buildListRequest(get: (name: string) => unknown): ListRequest {
  const filter = optionalString(get("filter"), "filter");
  const sortOrder = optionalString(get("sortOrder"), "sortOrder");
  if (sortOrder !== null && !/^(ascending|descending)$/i.test(sortOrder)) throw ScimError.invalidValue('sortOrder must be "ascending" or "descending"');
  const startIndex = optionalInteger(get("startIndex"), "startIndex") ?? 1;
  const count = optionalInteger(get("count"), "count") ?? DEFAULT_COUNT;
  return {
    filter: filter && filter.trim() !== "" ? filter : null,
    sortBy: optionalString(get("sortBy"), "sortBy"),
    descending: sortOrder !== null && sortOrder.toLowerCase() === "descending",
    // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1, a negative count as 0; we cap count.
    // A startIndex past any list (1e300 is an integer too) is an empty page, not a float OFFSET.
    startIndex: Math.min(Math.max(1, startIndex), Number.MAX_SAFE_INTEGER),
    count: Math.min(Math.max(0, count), MAX_RESULTS),
    attributes: optionalStringList(get("attributes"), "attributes"),
    excludedAttributes: optionalStringList(get("excludedAttributes"), "excludedAttributes"),
  };
}

function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw ScimError.invalidValue(`${name} must be a string`);
  return value;
}

/** RFC 7644 §3.4.3: a SearchRequest's attributes are a string array; a query string gives one string, or several when repeated. */
function optionalStringList(value: unknown, name: string): string | string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || (Array.isArray(value) && value.every((v) => typeof v === "string"))) return value as string | string[];
  throw ScimError.invalidValue(`${name} must be a string or an array of strings`);
}

function optionalInteger(value: unknown, name: string): number | null {
  if (value === undefined || value === null || value === "") return null;
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number)) throw ScimError.invalidValue(`${name} must be an integer`);
  return number;
}
