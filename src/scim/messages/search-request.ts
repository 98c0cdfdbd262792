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
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.includes(SEARCH_REQUEST_SCHEMA))) {
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
    startIndex: Math.max(1, startIndex),
    count: Math.min(Math.max(0, count), MAX_RESULTS),
    attributes: get("attributes") as string | string[] | undefined,
    excludedAttributes: get("excludedAttributes") as string | string[] | undefined,
  };
}

function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw ScimError.invalidValue(`${name} must be a string`);
  return value;
}

function optionalInteger(value: unknown, name: string): number | null {
  if (value === undefined || value === null || value === "") return null;
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(number)) throw ScimError.invalidValue(`${name} must be an integer`);
  return number;
}
