import { scimPlaceOf, USER_ATTRIBUTE_ENTRIES, type UserAttributeEntry, type UserAttributeName } from "../../domain/ports/user-attributes";
import type { UserAttributes } from "../../domain/user-attributes";
import type { GroupOfUser } from "../../domain/queries/memberships";
import type { UserView } from "../../domain/model";
import { etagOf } from "../etag";
import { ScimError } from "../errors";
import { ENTERPRISE_USER_SCHEMA, findByName, schemaAttributes, USER_SCHEMA, type AttributeSchema } from "../schema";
import type { ScimJson } from "../types";
import { inSchemaOrder } from "./canonical-json";
import { asBoolean, asMultiValued, asOptionalString, splitKnownAttributes } from "./values";

/** Where each attribute of the one table (domain/ports/user-attributes.ts) is in SCIM JSON, in table order. */
const PLACES = USER_ATTRIBUTE_ENTRIES.map(([name, entry]) => ({ name, entry, place: scimPlaceOf(entry) }));

/** The extension schemas the table keeps an object of (the enterprise extension). */
const EXTENSION_URNS = PLACES.flatMap(({ place }) => (place.at === "extension" ? [place.urn] : []));

const CORE_ATTRIBUTES = schemaAttributes(USER_SCHEMA);

/** Where a core attribute or sub-attribute comes in the schema: the order a user is rendered in, whatever the table's. */
function schemaPosition(attribute: string, subAttribute?: string): number {
  const index = CORE_ATTRIBUTES.findIndex((a) => a.name === attribute);
  const sub = subAttribute === undefined ? 0 : (CORE_ATTRIBUTES[index]?.subAttributes ?? []).findIndex((a) => a.name === subAttribute);
  return index * 1000 + sub;
}

/** An attribute in the core schema, with the sub-attributes its elements are ordered by. */
interface CorePlace {
  name: UserAttributeName;
  entry: UserAttributeEntry;
  attribute: string;
  subAttribute?: string;
  elements: AttributeSchema[];
}

/** The attributes in the core schema, in the schema's order. */
const CORE_PLACES: CorePlace[] = PLACES.flatMap(({ name, entry, place }): Array<CorePlace & { position: number }> => {
  if (place.at !== "core" && place.at !== "subAttribute") return [];
  const subAttribute = place.at === "subAttribute" ? place.subAttribute : undefined;
  const elements = findByName(CORE_ATTRIBUTES, place.attribute)?.subAttributes ?? [];
  return [{ name, entry, attribute: place.attribute, subAttribute, elements, position: schemaPosition(place.attribute, subAttribute) }];
}).sort((a, b) => a.position - b.position);

const EXTENSION_PLACES = PLACES.flatMap(({ name, place }) => (place.at === "extension" ? [{ name, urn: place.urn }] : []));
const UNMODELLED = PLACES.flatMap(({ name, place }) => (place.at === "unmodelled" ? [name] : []));

/**
 * RFC 7643 §4.1: a user entity as SCIM JSON. `groups` is included when given (it costs a query).
 * Unassigned attributes (null, an empty list) are left out.
 */
export function userToScim(user: UserView, baseUrl: string, groups?: GroupOfUser[]): ScimJson {
  const extra: ScimJson = {};
  for (const name of UNMODELLED) Object.assign(extra, inSchemaOrder(user[name] ?? {}));
  const schemas = [USER_SCHEMA];
  for (const { name, urn } of EXTENSION_PLACES) if (user[name] !== null) schemas.push(urn);
  for (const key of Object.keys(extra)) if (/^urn:/i.test(key) && !schemas.includes(key)) schemas.push(key);

  const json: ScimJson = { schemas, id: user.id };
  // A singular complex attribute (`name`) is made at its first assigned sub-attribute; the sorted
  // places keep its sub-attributes together.
  let complex: ScimJson = {};
  for (const { name, entry, attribute, subAttribute, elements } of CORE_PLACES) {
    const value = user[name];
    if (value === null) continue;
    if (subAttribute !== undefined) {
      if (json[attribute] !== complex) json[attribute] = complex = {};
      complex[subAttribute] = value;
    } else if (entry.kind !== "valueList") json[attribute] = value;
    else if ((value as unknown[]).length > 0) json[attribute] = inSchemaOrder(value, elements);
  }
  // RFC 7643 §2.5: no groups and unassigned are the same, so an empty list is left out.
  if (groups && groups.length > 0) {
    json.groups = groups.map((g) => ({ value: g.id, $ref: `${baseUrl}/Groups/${g.id}`, display: g.displayName, type: g.direct ? "direct" : "indirect" }));
  }
  for (const { name, urn } of EXTENSION_PLACES) {
    const value = user[name];
    if (value !== null) json[urn] = inSchemaOrder(value, schemaAttributes(urn));
  }
  Object.assign(json, extra);
  json.meta = {
    resourceType: "User",
    created: user.createdAt.toISOString(),
    lastModified: user.updatedAt.toISOString(),
    location: `${baseUrl}/Users/${user.id}`,
    version: etagOf(user.version),
  };
  return json;
}

/**
 * What a user without `active` (the table's one boolean) is. RFC 7643 gives `active` no default. A new user an IdP sends
 * without it is active (clients that omit it expect that); a replacement (PUT) or a PATCH that
 * leaves `active` unassigned — `{"op":"remove","path":"active"}` — makes the user inactive:
 * removing `active` never grants access.
 */
export type UnassignedActive = "active" | "inactive";

/**
 * SCIM JSON (POST, PUT, or a resource after PATCH) → every user attribute: a full replacement,
 * so what the JSON leaves out is cleared. Attribute names are case-insensitive; read-only ones
 * (id, meta, groups) are ignored (RFC 7644 §3.5.1); `password` is never stored; attributes and
 * extensions the server does not model are kept as sent.
 */
export function userAttributesFromScim(body: ScimJson, unassignedActive: UnassignedActive): UserAttributes {
  const { known, extensions, unknown } = splitKnownAttributes(body, schemaAttributes(USER_SCHEMA), EXTENSION_URNS);
  const attributes: Record<string, unknown> = {};
  for (const { name, entry, place } of PLACES) {
    if (place.at === "extension") attributes[name] = extensions[place.urn] ? normaliseExtension(place.urn, extensions[place.urn]) : null;
    else if (place.at === "unmodelled") attributes[name] = Object.keys(unknown).length > 0 ? unknown : null;
    else if (place.at === "core") attributes[name] = fromScim(entry, known[place.attribute], place.attribute, unassignedActive);
    else {
      const parent = complexValue(known, place.attribute);
      const key = Object.keys(parent).find((k) => k.toLowerCase() === place.subAttribute.toLowerCase());
      attributes[name] = fromScim(entry, key === undefined ? undefined : parent[key], `${place.attribute}.${place.subAttribute}`, unassignedActive);
    }
  }
  return attributes as UserAttributes;
}

/** One value of the JSON as its kind requires, or a SCIM invalidValue naming `path`. */
function fromScim(entry: UserAttributeEntry, value: unknown, path: string, unassignedActive: UnassignedActive): unknown {
  switch (entry.kind) {
    case "requiredText":
      if (typeof value !== "string" || value.trim() === "") throw ScimError.invalidValue(`${path} is required and must be a non-empty string`);
      return value.trim();
    case "text":
      return asOptionalString(value, path);
    case "boolean":
      // Unassigned: a new user gets the entry's default (active: true), a replacement false (UnassignedActive).
      if (value === undefined || value === null) return unassignedActive === "active" ? (entry.default ?? false) : false;
      return asBoolean(value, path);
    case "valueList":
      return asMultiValued(value, path);
    case "object":
      if (value === undefined || value === null) return null;
      if (typeof value !== "object" || Array.isArray(value)) throw ScimError.invalidValue(`${path} must be an object`);
      return value;
  }
}

/** A singular complex attribute (`name`) of the JSON: its sub-attributes, by the names sent. */
function complexValue(known: ScimJson, attribute: string): ScimJson {
  const value = known[attribute] ?? {};
  if (typeof value !== "object" || Array.isArray(value)) throw ScimError.invalidValue(`${attribute} must be an object`);
  return value as ScimJson;
}

/** An extension object as stored: the enterprise extension's manager normalised (below), others as sent. */
function normaliseExtension(urn: string, extension: ScimJson): ScimJson {
  return urn === ENTERPRISE_USER_SCHEMA ? normaliseEnterprise(extension) : extension;
}

/** Entra ID may send the manager as a bare id string; it is stored as `{ value }` (RFC 7643 §4.3). */
function normaliseEnterprise(enterprise: ScimJson): ScimJson {
  const result: ScimJson = { ...enterprise };
  const managerKey = Object.keys(result).find((k) => k.toLowerCase() === "manager");
  if (managerKey !== undefined) {
    const manager = result[managerKey];
    delete result[managerKey];
    if (typeof manager === "string" && manager.trim() !== "") result.manager = { value: manager };
    else if (manager && typeof manager === "object" && !Array.isArray(manager)) {
      const value = (manager as ScimJson).value;
      if (typeof value === "string" && value.trim() !== "") result.manager = manager;
    }
  }
  return Object.keys(result).length > 0 ? result : {};
}
