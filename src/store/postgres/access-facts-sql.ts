import { upwardWalk } from "../sql/group-walk";

/**
 * Everything effective access needs for many (user, account) pairs, in one statement however
 * many pairs and however deep the group nesting — the PostgreSQL text of store/sqlite's
 * SQLITE_ACCESS_FACTS_SQL (read its comment): the same CTEs, with the id lists bound as jsonb
 * arrays and each column aggregated with json_agg. Bound in order: user ids, account ids.
 */
export const POSTGRES_ACCESS_FACTS_SQL = `
with recursive
  wanted(id) as (select jsonb_array_elements_text(?::jsonb)),
  wanted_accounts(id) as (select jsonb_array_elements_text(?::jsonb)),
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
  (select coalesce(json_agg(json_build_array(id, organization_id, active, roles, default_role_id)), '[]') from users) as users,
  (select coalesce(json_agg(json_build_array(id, organization_id)), '[]') from account where id in (select id from wanted_accounts)) as accounts,
  (select coalesce(json_agg(json_build_array(group_id, member_user_id, member_group_id)), '[]') from (
     select group_id, member_user_id, null::varchar as member_group_id from direct
     union all
     select group_id, null, member_group_id from group_membership where member_group_id in (select group_id from reach)) edge) as edges,
  (select coalesce(json_agg(json_build_array(id, subject_user_id, subject_group_id, account_id, role_id)), '[]') from bindings) as bindings,
  (select coalesce(json_agg(json_build_array(id, organization_id, idp_value, account_id, role_id)), '[]') from mappings) as mappings,
  (select coalesce(json_agg(json_build_array(id, key, name, permissions)), '[]') from role
    where id in (select role_id from bindings union select role_id from mappings union select default_role_id from users)) as roles`;
