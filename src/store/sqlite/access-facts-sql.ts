import type { EntityManager } from "@mikro-orm/core";
import { groupChains } from "../access/resolve";
import type { AccessSubgraph, BindingFact, MappingFact, RoleFact } from "../access/types";
import { idpRoleValues } from "../domain/user-attributes";
import type { MultiValue } from "./entities/user";
import { runSql } from "./raw-sql";
import { booleanColumn, jsonColumn } from "./rows";

export interface AccessTarget {
  userId: string;
  accountId: string;
}

export interface UserFacts {
  id: string;
  organizationId: string;
  active: boolean;
  idpRoleValues: string[];
  defaultRoleId: string | null;
}

export interface LoadedAccessGraphs {
  users: Map<string, UserFacts>;
  /** account id → organization id, for the accounts that exist. */
  accounts: Map<string, string>;
  subgraph(target: AccessTarget): AccessSubgraph;
}

/**
 * Everything effective access needs for many (user, account) pairs, in one statement however
 * many pairs and however deep the group nesting: the users (with their organization's default
 * role), the accounts, every membership edge reachable from the users (a recursive CTE), the
 * bindings on the users and on every reachable group, the organizations' role mappings, and the
 * roles all of these name. Mappings are matched to users' IdP values in resolution (case folding
 * is JavaScript's, as when mappings are written); an organization has a handful of them.
 *
 * The answer is one row of JSON arrays: node-sqlite3 builds a JavaScript object per row and
 * column, which costs more than SQLite aggregating the rows and JSON.parse reading them. Id lists
 * are bound as JSON arrays, so the SQL text is the same for any batch and prepared once.
 * A user's `roles` that SQLite cannot parse (nested past its 1,000 levels, stored before the
 * server bounded depth) reads as no IdP role values, so one such row cannot fail a whole batch.
 * (SQLite's dialect; a PostgreSQL build needs its own text with json_agg.)
 */
const ACCESS_GRAPH_SQL = `
with recursive
  wanted(id) as (select value from json_each(?1)),
  direct as materialized (select group_id, member_user_id from group_membership where member_user_id in (select id from wanted)),
  reach(group_id) as (
    select group_id from direct
    union
    select gm.group_id from group_membership gm join reach r on gm.member_group_id = r.group_id),
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

type Tuple = unknown[];

export async function loadAccessGraphs(em: EntityManager, targets: AccessTarget[]): Promise<LoadedAccessGraphs> {
  const userIds = JSON.stringify([...new Set(targets.map((t) => t.userId))]);
  const accountIds = JSON.stringify([...new Set(targets.map((t) => t.accountId))]);
  const [row] = await runSql(em, ACCESS_GRAPH_SQL, [userIds, accountIds]);
  const column = (name: string) => jsonColumn<Tuple[]>(row[name], []);

  const users = new Map<string, UserFacts>();
  for (const [id, organizationId, active, roles, defaultRoleId] of column("users")) {
    users.set(id as string, {
      id: id as string,
      organizationId: organizationId as string,
      active: booleanColumn(active),
      idpRoleValues: idpRoleValues((roles as MultiValue[] | null) ?? []),
      defaultRoleId: (defaultRoleId as string | null) ?? null,
    });
  }
  const accounts = new Map(column("accounts").map(([id, organizationId]) => [id as string, organizationId as string]));

  const directGroups = new Map<string, string[]>();
  const parentGroups = new Map<string, string[]>();
  for (const [groupId, memberUserId, memberGroupId] of column("edges")) {
    if (memberUserId) push(directGroups, memberUserId as string, groupId as string);
    else if (!(parentGroups.get(memberGroupId as string) ?? []).includes(groupId as string)) push(parentGroups, memberGroupId as string, groupId as string);
  }

  const bindingsBySubject = new Map<string, BindingFact[]>();
  for (const [id, subjectUserId, subjectGroupId, accountId, roleId] of column("bindings")) {
    const subject = subjectUserId ? { kind: "user" as const, id: subjectUserId as string } : { kind: "group" as const, id: subjectGroupId as string };
    push(bindingsBySubject, `${subject.kind}:${subject.id}`, { id: id as string, roleId: roleId as string, subject, accountId: (accountId as string | null) ?? null });
  }

  const mappingsByOrg = new Map<string, MappingFact[]>();
  for (const [id, organizationId, idpValue, accountId, roleId] of column("mappings")) {
    push(mappingsByOrg, organizationId as string, { id: id as string, idpValue: idpValue as string, roleId: roleId as string, accountId: (accountId as string | null) ?? null });
  }

  const roles = new Map<string, RoleFact>();
  for (const [id, key, name, permissions] of column("roles")) {
    roles.set(id as string, { id: id as string, key: key as string, name: name as string, permissions: (permissions as string[] | null) ?? [] });
  }

  return {
    users,
    accounts,
    subgraph(target: AccessTarget): AccessSubgraph {
      const user = users.get(target.userId);
      if (!user) throw new Error(`user ${target.userId} was not loaded`);
      const direct = directGroups.get(user.id) ?? [];
      // The chains to every reachable group: resolution needs them, and their keys are the
      // groups whose bindings count, so the nesting is walked once per pair.
      const chains = groupChains(direct, parentGroups);
      const subjectBindings = [...(bindingsBySubject.get(`user:${user.id}`) ?? [])];
      for (const groupId of chains.keys()) {
        const onGroup = bindingsBySubject.get(`group:${groupId}`);
        if (onGroup) subjectBindings.push(...onGroup);
      }
      return {
        user: { id: user.id, active: user.active, idpRoleValues: user.idpRoleValues },
        accountId: target.accountId,
        directGroupIds: direct,
        parentGroups,
        groupChains: chains,
        bindings: subjectBindings,
        mappings: mappingsByOrg.get(user.organizationId) ?? [],
        defaultRoleId: user.defaultRoleId,
        roles,
      };
    },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
