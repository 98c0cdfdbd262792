import type { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { UniqueRule } from "../../domain/ports/store";

/**
 * Which unique index a violation hit, recognised by index name (PostgreSQL reports it) or by its
 * columns (SQLite reports `table.column, …`), as the domain's rule it keeps.
 */
const UNIQUE_INDEXES: Array<{ name: string; columns: string; rule: UniqueRule }> = [
  { name: "user_org_user_name_key_unique", columns: "user.user_name_key", rule: "userName" },
  { name: "group_org_display_name_key_unique", columns: "group.display_name_key", rule: "groupDisplayName" },
  { name: "role_org_key_unique", columns: "role.key", rule: "roleKey" },
  { name: "role_binding_identity_unique", columns: "role_binding.identity_key", rule: "roleBinding" },
  { name: "group_membership_user_unique", columns: "group_membership.member_user_id", rule: "membershipUser" },
  { name: "group_membership_group_unique", columns: "group_membership.member_group_id", rule: "membershipGroup" },
  { name: "role_mapping_value_scope_unique", columns: "role_mapping.idp_value_key", rule: "roleMapping" },
];

export function uniqueRuleOf(error: UniqueConstraintViolationException): UniqueRule | null {
  const text = error.message;
  return UNIQUE_INDEXES.find((i) => text.includes(i.name) || text.includes(i.columns))?.rule ?? null;
}
