import { foldName } from "../access/names";
import type { MultiValue } from "./ports/user-attributes";

/**
 * The attributes a client may set on a user, from the one table (domain/ports/user-attributes.ts):
 * commands assign USER_ATTRIBUTE_NAMES in table order.
 */
export { USER_ATTRIBUTE_NAMES, type UserAttributes } from "./ports/user-attributes";

/** The IdP role values of a user (SCIM `roles[].value`), which role mappings match. */
export function idpRoleValues(roles: MultiValue[]): string[] {
  return roles.map((r) => r.value).filter((v): v is string => typeof v === "string" && v.trim() !== "");
}

/**
 * The user's IdP role values as mappings match them (foldName: trimmed, NFC, lower-cased), without
 * repeats and sorted; null when there are none. Stored beside the values (User.idpRoleKeys) so the
 * store can find a mapping's holders in SQL, which cannot fold Unicode as JavaScript does.
 */
export function idpRoleKeysOf(roles: MultiValue[] | null | undefined): string[] | null {
  const keys = [...new Set(idpRoleValues(Array.isArray(roles) ? roles : []).map(foldName))].sort();
  return keys.length > 0 ? keys : null;
}
