import type { UniqueConstraintViolationException } from "@mikro-orm/core";
import { Conflict } from "../domain/errors";

/**
 * Which unique index a violation hit, recognised by index name (PostgreSQL reports it) or by its
 * columns (SQLite reports `table.column, …`), and what to tell the caller.
 */
const UNIQUE_INDEXES: Array<{ name: string; columns: string; message: string }> = [
  { name: "user_org_user_name_key_unique", columns: "user.user_name_key", message: "userName is already taken in this organization" },
  { name: "group_org_display_name_key_unique", columns: "group.display_name_key", message: "a group with this displayName already exists in this organization" },
  { name: "role_org_key_unique", columns: "role.key", message: "a role with this key already exists in this organization" },
  { name: "role_binding_identity_unique", columns: "role_binding.identity_key", message: "this role is already bound to this subject at this scope" },
  { name: "group_membership_user_unique", columns: "group_membership.member_user_id", message: "the user is already a member of this group" },
  { name: "group_membership_group_unique", columns: "group_membership.member_group_id", message: "the group is already a member of this group" },
  { name: "role_mapping_value_scope_unique", columns: "role_mapping.idp_value_key", message: "a mapping for this IdP role value already exists at this scope" },
];

export function conflictFromUniqueViolation(error: UniqueConstraintViolationException): Conflict {
  const text = error.message;
  const index = UNIQUE_INDEXES.find((i) => text.includes(i.name) || text.includes(i.columns));
  return new Conflict(index ? index.message : "a unique value is already taken");
}
