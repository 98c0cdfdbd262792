import { upwardWalk } from "./group-walk";
import type { StoreDialect } from "./store-dialect";

/**
 * Everything effective access needs for many (user, account) pairs, in one statement however
 * many pairs and however deep the group nesting: the users (with their organization's default
 * role), the accounts, every membership edge reachable from the users (the upward walk), the
 * bindings on the users and on every reachable group, the organizations' role mappings, and the
 * roles all of these name. Mappings are matched to users' IdP values in resolution (case folding
 * is JavaScript's, as when mappings are written, in the domain); an organization has a handful of them.
 *
 * The answer is one row of JSON arrays: the drivers build a JavaScript object per row and column,
 * which costs more than the database aggregating the rows and JSON.parse reading them. Id lists
 * are bound as JSON arrays (user ids, then account ids), so the SQL text is the same for any batch
 * and prepared once. The dialect says how a JSON list becomes rows, how rows become one array, and
 * how a stored JSON column is read into it (SQLite reads a value it cannot parse as none).
 */
export function accessFactsSql(dialect: StoreDialect): string {
  const agg = (...values: string[]) => dialect.jsonArrayOfArrays(values);
  return `
with recursive
  wanted(id) as (${dialect.idsFromJson("?")}),
  wanted_accounts(id) as (${dialect.idsFromJson("?")}),
  direct as materialized (select group_id, member_user_id from group_membership where member_user_id in (select id from wanted)),
  ${upwardWalk({ name: "reach", seed: "select group_id from direct" })},
  users as materialized (
    select u.id, u.organization_id, u.active, u.roles, o.default_role_id
      from "user" u join organization o on o.id = u.organization_id where u.id in (select id from wanted)),
  bindings as materialized (
    select id, subject_user_id, subject_group_id, account_id, role_id from role_binding where subject_user_id in (select id from wanted)
    union all
    select id, subject_user_id, subject_group_id, account_id, role_id from role_binding where subject_group_id in (select group_id from reach)),
  mappings as materialized (
    select id, organization_id, idp_value, account_id, role_id from role_mapping where organization_id in (select organization_id from users))
select
  (select ${agg("id", "organization_id", "active", dialect.jsonColumn("roles", "'[]'"), "default_role_id")} from users) as users,
  (select ${agg("id", "organization_id")} from account where id in (select id from wanted_accounts)) as accounts,
  (select ${agg("group_id", "member_user_id", "member_group_id")} from (
     select group_id, member_user_id, ${dialect.nullText} as member_group_id from direct
     union all
     select group_id, null, member_group_id from group_membership where member_group_id in (select group_id from reach)) edge) as edges,
  (select ${agg("id", "subject_user_id", "subject_group_id", "account_id", "role_id")} from bindings) as bindings,
  (select ${agg("id", "organization_id", "idp_value", "account_id", "role_id")} from mappings) as mappings,
  (select ${agg("id", "key", "name", dialect.jsonColumn("permissions", "'[]'"))} from role
    where id in (select role_id from bindings union select role_id from mappings union select default_role_id from users)) as roles`;
}
