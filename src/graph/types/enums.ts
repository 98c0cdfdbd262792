import { registerEnumType } from "type-graphql";

/** GraphQL enums, backed by the string values stored in the database. */
export enum ManagedByEnum {
  SCIM = "SCIM",
  ADMIN = "ADMIN",
}
export enum ApiKeyRoleEnum {
  ADMIN = "ADMIN",
  READER = "READER",
}
export enum DeprovisionModeEnum {
  SUSPEND = "SUSPEND",
  DELETE = "DELETE",
}
export enum ScimDisableModeEnum {
  SOFT = "SOFT",
  LOCK = "LOCK",
}
export enum GrantKindEnum {
  DIRECT = "DIRECT",
  GROUP = "GROUP",
  MAPPING = "MAPPING",
  DEFAULT = "DEFAULT",
}
export enum GrantScopeEnum {
  ORGANIZATION = "ORGANIZATION",
  ACCOUNT = "ACCOUNT",
}

registerEnumType(ManagedByEnum, { name: "ManagedBy", description: "Who owns a user's or group's attributes: the identity provider (SCIM) or admins" });
registerEnumType(ApiKeyRoleEnum, { name: "ApiKeyRole", description: "ADMIN keys may mutate; READER keys (apps) may only query" });
registerEnumType(DeprovisionModeEnum, { name: "DeprovisionMode", description: "What SCIM `active: false` does to a user" });
registerEnumType(ScimDisableModeEnum, { name: "ScimDisableMode", description: "SOFT: SCIM-managed users become admin-managed; LOCK: they are deactivated" });
registerEnumType(GrantKindEnum, { name: "GrantKind", description: "How a role reached a user" });
registerEnumType(GrantScopeEnum, { name: "GrantScope", description: "Whether the grant covers the whole organization or one account" });
