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
