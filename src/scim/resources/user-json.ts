import type { UserAttributes } from "../../domain/user-attributes";
import type { GroupOfUser } from "../../domain/queries/memberships";
import type { MultiValue } from "../../domain/model";
import type { UserView } from "../../domain/model";
import { etagOf } from "../etag";
import { ScimError } from "../errors";
import { ENTERPRISE_USER_SCHEMA, findByName, schemaAttributes, USER_SCHEMA, type AttributeSchema } from "../schema";
import type { ScimJson } from "../types";
import { inSchemaOrder } from "./canonical-json";
import { asBoolean, asMultiValued, asOptionalString, splitKnownAttributes } from "./values";

/** SCIM name sub-attribute → entity field. */
const NAME_FIELDS = {
  formatted: "formattedName",
  familyName: "familyName",
  givenName: "givenName",
  middleName: "middleName",
  honorificPrefix: "honorificPrefix",
  honorificSuffix: "honorificSuffix",
} as const;

const SINGULAR_STRINGS = ["displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage", "locale", "timezone"] as const;
const MULTI_VALUED = ["emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates"] as const;

/** The sub-attributes of a multi-valued core attribute (emails: value, display, type, primary). */
function subAttributesOf(field: (typeof MULTI_VALUED)[number]): AttributeSchema[] {
  return findByName(schemaAttributes(USER_SCHEMA), field)?.subAttributes ?? [];
}

/** RFC 7643 §4.1: a user entity as SCIM JSON. `groups` is included when given (it costs a query). */
export function userToScim(user: UserView, baseUrl: string, groups?: GroupOfUser[]): ScimJson {
  const extra = inSchemaOrder(user.extra ?? {}) as ScimJson;
  const schemas = [USER_SCHEMA];
  if (user.enterprise) schemas.push(ENTERPRISE_USER_SCHEMA);
  for (const key of Object.keys(extra)) if (/^urn:/i.test(key) && !schemas.includes(key)) schemas.push(key);

  const json: ScimJson = { schemas, id: user.id };
  if (user.externalId !== null) json.externalId = user.externalId;
  json.userName = user.userName;
  const name: ScimJson = {};
  for (const [scim, field] of Object.entries(NAME_FIELDS)) if (user[field] !== null) name[scim] = user[field];
  if (Object.keys(name).length > 0) json.name = name;
  for (const field of SINGULAR_STRINGS) if (user[field] !== null) json[field] = user[field];
  json.active = user.active;
  for (const field of MULTI_VALUED) if (user[field].length > 0) json[field] = inSchemaOrder(user[field], subAttributesOf(field));
  // RFC 7643 §2.5: no groups and unassigned are the same, so an empty list is left out.
  if (groups && groups.length > 0) {
    json.groups = groups.map((g) => ({ value: g.id, $ref: `${baseUrl}/Groups/${g.id}`, display: g.displayName, type: g.direct ? "direct" : "indirect" }));
  }
  if (user.enterprise) json[ENTERPRISE_USER_SCHEMA] = inSchemaOrder(user.enterprise, schemaAttributes(ENTERPRISE_USER_SCHEMA));
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
 * What a user without `active` is. RFC 7643 gives `active` no default. A new user an IdP sends
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
  const { known, extensions, unknown } = splitKnownAttributes(body, schemaAttributes(USER_SCHEMA), [ENTERPRISE_USER_SCHEMA]);
  const userName = known.userName;
  if (typeof userName !== "string" || userName.trim() === "") throw ScimError.invalidValue("userName is required and must be a non-empty string");
  const name = (known.name ?? {}) as ScimJson;
  if (typeof name !== "object" || Array.isArray(name)) throw ScimError.invalidValue("name must be an object");
  const nameAttributes = findByName(schemaAttributes(USER_SCHEMA), "name")?.subAttributes ?? [];
  const nameValue = (sub: keyof typeof NAME_FIELDS) => {
    const key = Object.keys(name).find((k) => k.toLowerCase() === sub.toLowerCase() && findByName(nameAttributes, k));
    return asOptionalString(key === undefined ? undefined : name[key], `name.${sub}`);
  };
  const multi = (field: (typeof MULTI_VALUED)[number]): MultiValue[] => asMultiValued(known[field], field);
  const enterprise = extensions[ENTERPRISE_USER_SCHEMA];
  return {
    userName: userName.trim(),
    externalId: asOptionalString(known.externalId, "externalId"),
    active: known.active === undefined || known.active === null ? unassignedActive === "active" : asBoolean(known.active, "active"),
    displayName: asOptionalString(known.displayName, "displayName"),
    givenName: nameValue("givenName"),
    familyName: nameValue("familyName"),
    middleName: nameValue("middleName"),
    honorificPrefix: nameValue("honorificPrefix"),
    honorificSuffix: nameValue("honorificSuffix"),
    formattedName: nameValue("formatted"),
    nickName: asOptionalString(known.nickName, "nickName"),
    profileUrl: asOptionalString(known.profileUrl, "profileUrl"),
    title: asOptionalString(known.title, "title"),
    userType: asOptionalString(known.userType, "userType"),
    preferredLanguage: asOptionalString(known.preferredLanguage, "preferredLanguage"),
    locale: asOptionalString(known.locale, "locale"),
    timezone: asOptionalString(known.timezone, "timezone"),
    emails: multi("emails"),
    phoneNumbers: multi("phoneNumbers"),
    ims: multi("ims"),
    photos: multi("photos"),
    addresses: multi("addresses"),
    entitlements: multi("entitlements"),
    roles: multi("roles"),
    x509Certificates: multi("x509Certificates"),
    enterprise: enterprise ? normaliseEnterprise(enterprise) : null,
    extra: Object.keys(unknown).length > 0 ? unknown : null,
  };
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
