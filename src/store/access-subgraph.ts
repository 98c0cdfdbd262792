import type { EntityManager } from "@mikro-orm/core";
import type { AccessSubgraph, BindingFact, MappingFact, RoleFact } from "../access/types";
import { idpRoleValues } from "../domain/user-attributes";
import { runSql, type Row } from "./raw-sql";
import { booleanColumn, chunks, jsonColumn, placeholders } from "./rows";

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
 * Loads everything effective access needs for many (user, account) pairs at once: five queries
 * in two rounds, however many pairs and however deep the group nesting. Round one, in parallel on
 * the read connections: users (with the default role), accounts, and every membership edge
 * reachable from the users (one recursive CTE). Round two: bindings on the users and reachable
 * groups, and the mappings matching their IdP values, each joined to its role.
 */
export async function loadAccessGraphs(em: EntityManager, targets: AccessTarget[]): Promise<LoadedAccessGraphs> {
  const userIds = [...new Set(targets.map((t) => t.userId))];
  const accountIds = [...new Set(targets.map((t) => t.accountId))];
  const roles = new Map<string, RoleFact>();
  const [users, accounts, edges] = await Promise.all([loadUsers(em, userIds, roles), loadAccounts(em, accountIds), loadEdges(em, userIds)]);
  const knownUserIds = [...users.keys()];
  const reachableGroupIds = new Set<string>([...edges.directGroups.values()].flat());
  for (const [child, parents] of edges.parentGroups) {
    reachableGroupIds.add(child);
    parents.forEach((p) => reachableGroupIds.add(p));
  }
  const [bindings, mappingsByOrg] = await Promise.all([
    loadBindings(em, knownUserIds, [...reachableGroupIds], roles),
    loadMappings(em, [...users.values()], roles),
  ]);

  const bindingsBySubject = new Map<string, BindingFact[]>();
  for (const b of bindings) push(bindingsBySubject, `${b.subject.kind}:${b.subject.id}`, b);

  return {
    users,
    accounts,
    subgraph(target: AccessTarget): AccessSubgraph {
      const user = users.get(target.userId);
      if (!user) throw new Error(`user ${target.userId} was not loaded`);
      const direct = edges.directGroups.get(user.id) ?? [];
      const reach = reachableFrom(direct, edges.parentGroups);
      const subjectBindings = [
        ...(bindingsBySubject.get(`user:${user.id}`) ?? []),
        ...[...reach].flatMap((g) => bindingsBySubject.get(`group:${g}`) ?? []),
      ];
      return {
        user: { id: user.id, active: user.active, idpRoleValues: user.idpRoleValues },
        accountId: target.accountId,
        directGroupIds: direct,
        parentGroups: edges.parentGroups,
        bindings: subjectBindings,
        mappings: mappingsByOrg.get(user.organizationId) ?? [],
        defaultRoleId: user.defaultRoleId,
        roles,
      };
    },
  };
}

const ROLE_COLUMNS = "r.id as role_id, r.key as role_key, r.name as role_name, r.permissions as role_permissions";

function addRole(roles: Map<string, RoleFact>, row: Row): void {
  const id = row.role_id as string | null;
  if (!id || roles.has(id)) return;
  roles.set(id, { id, key: row.role_key as string, name: row.role_name as string, permissions: jsonColumn(row.role_permissions, []) });
}

async function loadUsers(em: EntityManager, userIds: string[], roles: Map<string, RoleFact>): Promise<Map<string, UserFacts>> {
  const users = new Map<string, UserFacts>();
  for (const ids of chunks(userIds)) {
    const rows = await runSql(em,
      `select u.id, u.organization_id, u.active, u.roles, o.default_role_id, ${ROLE_COLUMNS}
         from "user" u join organization o on o.id = u.organization_id left join role r on r.id = o.default_role_id
        where u.id in (${placeholders(ids.length)})`, ids);
    for (const r of rows) {
      addRole(roles, r);
      users.set(r.id as string, {
        id: r.id as string,
        organizationId: r.organization_id as string,
        active: booleanColumn(r.active),
        idpRoleValues: idpRoleValues(jsonColumn(r.roles, [])),
        defaultRoleId: (r.default_role_id as string | null) ?? null,
      });
    }
  }
  return users;
}

async function loadAccounts(em: EntityManager, accountIds: string[]): Promise<Map<string, string>> {
  const accounts = new Map<string, string>();
  for (const ids of chunks(accountIds)) {
    const rows = await runSql(em, `select id, organization_id from account where id in (${placeholders(ids.length)})`, ids);
    for (const r of rows) accounts.set(r.id as string, r.organization_id as string);
  }
  return accounts;
}

/** Membership edges reachable from the users: user → group, and group → containing group. */
async function loadEdges(em: EntityManager, userIds: string[]) {
  const directGroups = new Map<string, string[]>();
  const parentGroups = new Map<string, string[]>();
  for (const ids of chunks(userIds)) {
    const rows = await runSql(em,
      `with recursive reach(group_id) as (
         select group_id from group_membership where member_user_id in (${placeholders(ids.length)})
         union
         select gm.group_id from group_membership gm join reach r on gm.member_group_id = r.group_id
       )
       select group_id, member_user_id, null as member_group_id from group_membership
        where member_user_id in (${placeholders(ids.length)})
       union all
       select gm.group_id, null, gm.member_group_id from group_membership gm
        where gm.member_group_id in (select group_id from reach)`,
      [...ids, ...ids]);
    for (const r of rows) {
      if (r.member_user_id) push(directGroups, r.member_user_id as string, r.group_id as string);
      else if (!(parentGroups.get(r.member_group_id as string) ?? []).includes(r.group_id as string)) {
        push(parentGroups, r.member_group_id as string, r.group_id as string);
      }
    }
  }
  return { directGroups, parentGroups };
}

async function loadBindings(em: EntityManager, userIds: string[], groupIds: string[], roles: Map<string, RoleFact>): Promise<BindingFact[]> {
  const bindings: BindingFact[] = [];
  const bySubject: Array<[string, string[]]> = [["subject_user_id", userIds], ["subject_group_id", groupIds]];
  for (const [column, allIds] of bySubject) {
    for (const ids of chunks(allIds)) {
      const rows = await runSql(em,
        `select b.id, b.subject_user_id, b.subject_group_id, b.account_id, ${ROLE_COLUMNS}
           from role_binding b join role r on r.id = b.role_id where b.${column} in (${placeholders(ids.length)})`, ids);
      for (const r of rows) {
        addRole(roles, r);
        bindings.push({
          id: r.id as string,
          roleId: r.role_id as string,
          subject: r.subject_user_id ? { kind: "user", id: r.subject_user_id as string } : { kind: "group", id: r.subject_group_id as string },
          accountId: (r.account_id as string | null) ?? null,
        });
      }
    }
  }
  return bindings;
}

/** The organizations' role mappings whose IdP value some of the users carry. */
async function loadMappings(em: EntityManager, users: UserFacts[], roles: Map<string, RoleFact>): Promise<Map<string, MappingFact[]>> {
  const mappingsByOrg = new Map<string, MappingFact[]>();
  const valueKeys = [...new Set(users.flatMap((u) => u.idpRoleValues.map((v) => v.trim().toLowerCase())))];
  const orgIds = [...new Set(users.map((u) => u.organizationId))];
  for (const keys of chunks(valueKeys, 400)) {
    const rows = await runSql(em,
      `select m.id, m.organization_id, m.idp_value, m.account_id, ${ROLE_COLUMNS}
         from role_mapping m join role r on r.id = m.role_id
        where m.organization_id in (${placeholders(orgIds.length)}) and m.idp_value_key in (${placeholders(keys.length)})`,
      [...orgIds, ...keys]);
    for (const r of rows) {
      addRole(roles, r);
      push(mappingsByOrg, r.organization_id as string, {
        id: r.id as string, idpValue: r.idp_value as string, roleId: r.role_id as string, accountId: (r.account_id as string | null) ?? null,
      });
    }
  }
  return mappingsByOrg;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function reachableFrom(start: string[], parentGroups: Map<string, string[]>): Set<string> {
  const seen = new Set<string>(start);
  const stack = [...start];
  while (stack.length > 0) {
    for (const parent of parentGroups.get(stack.pop() as string) ?? []) {
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return seen;
}
