import { upwardWalk } from "../sql/group-walk";

/**
 * Everything effective access needs for many (user, account) pairs, in one statement however
 * many pairs and however deep the group nesting: the users (with their organization's default
 * role), the accounts, every membership edge reachable from the users (a recursive CTE), the
 * bindings on the users and on every reachable group, the organizations' role mappings, and the
 * roles all of these name. Mappings are matched to users' IdP values in resolution (case folding
 * is JavaScript's, as when mappings are written, in the domain); an organization has a handful of them.
 *
 * The answer is one row of JSON arrays: node-sqlite3 builds a JavaScript object per row and
 * column, which costs more than SQLite aggregating the rows and JSON.parse reading them. Id lists
 * are bound as JSON arrays, so the SQL text is the same for any batch and prepared once.
 * A user's `roles` that SQLite cannot parse (nested past its 1,000 levels, stored before the
 * server bounded depth) reads as no IdP role values, so one such row cannot fail a whole batch.
 */
export const SQLITE_ACCESS_FACTS_SQL = `
with recursive
  wanted(id) as (select value from json_each(?1)),
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
  (select json_group_array(json_array(id, organization_id, active, json(case when json_valid(roles) then roles else '[]' end), default_role_id)) from users) as users,
  (select json_group_array(json_array(id, organization_id)) from account where id in (select value from json_each(?2))) as accounts,
  (select json_group_array(json_array(group_id, member_user_id, member_group_id)) from (
     select group_id, member_user_id, null as member_group_id from direct
     union all
     select group_id, null, member_group_id from group_membership where member_group_id in (select group_id from reach))) as edges,
  (select json_group_array(json_array(id, subject_user_id, subject_group_id, account_id, role_id)) from bindings) as bindings,
  (select json_group_array(json_array(id, organization_id, idp_value, account_id, role_id)) from mappings) as mappings,
  (select json_group_array(json_array(id, key, name, json(permissions))) from role
    where id in (select role_id from bindings union select role_id from mappings union select default_role_id from users)) as roles`;
