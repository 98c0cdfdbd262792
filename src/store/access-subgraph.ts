import type { EntityManager } from "@mikro-orm/core";
import type { AccessSubgraph, BindingFact, MappingFact, RoleFact } from "../access/types";
import { idpRoleValues } from "../domain/user-attributes";
import { runSql } from "./raw-sql";
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
 * Loads everything effective access needs for many (user, account) pairs at once, in six
 * queries however many pairs and however deep the group nesting: users, accounts, the group
 * ancestry of all users (one recursive CTE), bindings, mappings, roles.
 */
export async function loadAccessGraphs(em: EntityManager, targets: AccessTarget[]): Promise<LoadedAccessGraphs> {
  const run = (sql: string, params: unknown[]) => runSql(em, sql, params);
  const userIds = [...new Set(targets.map((t) => t.userId))];
  const accountIds = [...new Set(targets.map((t) => t.accountId))];

  const users = new Map<string, UserFacts>();
  for (const ids of chunks(userIds)) {
    const rows = await run(
      `select u.id, u.organization_id, u.active, u.roles, o.default_role_id
         from "user" u join organization o on o.id = u.organization_id
        where u.id in (${placeholders(ids.length)})`, ids);
    for (const r of rows) {
      users.set(r.id as string, {
        id: r.id as string,
        organizationId: r.organization_id as string,
        active: booleanColumn(r.active),
        idpRoleValues: idpRoleValues(jsonColumn(r.roles, [])),
        defaultRoleId: (r.default_role_id as string | null) ?? null,
      });
    }
  }

  const accounts = new Map<string, string>();
  for (const ids of chunks(accountIds)) {
    const rows = await run(`select id, organization_id from account where id in (${placeholders(ids.length)})`, ids);
    for (const r of rows) accounts.set(r.id as string, r.organization_id as string);
  }

  // Membership edges reachable from the users: user → group, and group → containing group.
  const directGroups = new Map<string, string[]>();
  const parentGroups = new Map<string, string[]>();
  const knownUserIds = [...users.keys()];
  for (const ids of chunks(knownUserIds)) {
    const rows = await run(
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
  const reachableGroupIds = new Set<string>([...directGroups.values()].flat());
  for (const [child, parents] of parentGroups) {
    reachableGroupIds.add(child);
    parents.forEach((p) => reachableGroupIds.add(p));
  }

  const bindings: BindingFact[] = [];
  const bindingQueries: Array<[string, string[]]> = [
    ["subject_user_id", knownUserIds],
    ["subject_group_id", [...reachableGroupIds]],
  ];
  for (const [column, allIds] of bindingQueries) {
    for (const ids of chunks(allIds)) {
      const rows = await run(
        `select id, role_id, subject_user_id, subject_group_id, account_id from role_binding where ${column} in (${placeholders(ids.length)})`, ids);
      for (const r of rows) {
        bindings.push({
          id: r.id as string,
          roleId: r.role_id as string,
          subject: r.subject_user_id ? { kind: "user", id: r.subject_user_id as string } : { kind: "group", id: r.subject_group_id as string },
          accountId: (r.account_id as string | null) ?? null,
        });
      }
    }
  }

  const mappingsByOrg = new Map<string, MappingFact[]>();
  const valueKeys = [...new Set([...users.values()].flatMap((u) => u.idpRoleValues.map((v) => v.trim().toLowerCase())))];
  const orgIds = [...new Set([...users.values()].map((u) => u.organizationId))];
  if (valueKeys.length > 0) {
    for (const keys of chunks(valueKeys, 400)) {
      const rows = await run(
        `select id, organization_id, idp_value, role_id, account_id from role_mapping
          where organization_id in (${placeholders(orgIds.length)}) and idp_value_key in (${placeholders(keys.length)})`,
        [...orgIds, ...keys]);
      for (const r of rows) {
        push(mappingsByOrg, r.organization_id as string, {
          id: r.id as string, idpValue: r.idp_value as string, roleId: r.role_id as string, accountId: (r.account_id as string | null) ?? null,
        });
      }
    }
  }

  const roleIds = new Set<string>([...bindings.map((b) => b.roleId), ...[...mappingsByOrg.values()].flat().map((m) => m.roleId)]);
  for (const u of users.values()) if (u.defaultRoleId) roleIds.add(u.defaultRoleId);
  const roles = new Map<string, RoleFact>();
  for (const ids of chunks([...roleIds])) {
    const rows = await run(`select id, key, name, permissions from role where id in (${placeholders(ids.length)})`, ids);
    for (const r of rows) roles.set(r.id as string, { id: r.id as string, key: r.key as string, name: r.name as string, permissions: jsonColumn(r.permissions, []) });
  }

  const bindingsBySubject = new Map<string, BindingFact[]>();
  for (const b of bindings) push(bindingsBySubject, `${b.subject.kind}:${b.subject.id}`, b);

  return {
    users,
    accounts,
    subgraph(target: AccessTarget): AccessSubgraph {
      const user = users.get(target.userId);
      if (!user) throw new Error(`user ${target.userId} was not loaded`);
      const direct = directGroups.get(user.id) ?? [];
      const reach = reachableFrom(direct, parentGroups);
      const subjectBindings = [
        ...(bindingsBySubject.get(`user:${user.id}`) ?? []),
        ...[...reach].flatMap((g) => bindingsBySubject.get(`group:${g}`) ?? []),
      ];
      return {
        user: { id: user.id, active: user.active, idpRoleValues: user.idpRoleValues },
        accountId: target.accountId,
        directGroupIds: direct,
        parentGroups,
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
