import type { EntityManager } from "@mikro-orm/core";
import { groupChains } from "../../access/resolve";
import type { AccessSubgraph, BindingFact, MappingFact, RoleFact } from "../../access/types";
import type { MultiValue } from "../../store/entities/user";
import type { Actor } from "../actor";
import { Invalid, NotFound } from "../errors";
import { storeOf } from "../ports/store";
import { assertOrgVisible } from "../tenancy";
import { idpRoleValues } from "../user-attributes";

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
 * Everything effective access needs for many (user, account) pairs, read by the store in one
 * statement however many pairs and however deep the nesting (DirectoryStore.loadAccessFacts), and
 * indexed here for resolution: per user its direct groups, per group its parents, bindings by
 * subject, mappings by organization. A user's `roles` that are not a list of values (unreadable
 * JSON reads as none) give no IdP role values, so one such row cannot fail a whole batch.
 */
export async function loadAccessGraphs(em: EntityManager, targets: AccessTarget[]): Promise<LoadedAccessGraphs> {
  const facts = await storeOf(em).loadAccessFacts(em, [...new Set(targets.map((t) => t.userId))], [...new Set(targets.map((t) => t.accountId))]);

  const users = new Map<string, UserFacts>();
  for (const user of facts.users) {
    const roles = Array.isArray(user.roles) ? (user.roles as MultiValue[]) : [];
    users.set(user.id, { id: user.id, organizationId: user.organizationId, active: user.active, idpRoleValues: idpRoleValues(roles), defaultRoleId: user.defaultRoleId });
  }
  const accounts = new Map(facts.accounts.map((a) => [a.id, a.organizationId]));

  const directGroups = new Map<string, string[]>();
  const parentGroups = new Map<string, string[]>();
  for (const edge of facts.edges) {
    if (edge.memberUserId) push(directGroups, edge.memberUserId, edge.groupId);
    else if (edge.memberGroupId && !(parentGroups.get(edge.memberGroupId) ?? []).includes(edge.groupId)) push(parentGroups, edge.memberGroupId, edge.groupId);
  }

  const bindingsBySubject = new Map<string, BindingFact[]>();
  for (const b of facts.bindings) {
    const subject = b.subjectUserId ? { kind: "user" as const, id: b.subjectUserId } : { kind: "group" as const, id: b.subjectGroupId as string };
    push(bindingsBySubject, `${subject.kind}:${subject.id}`, { id: b.id, roleId: b.roleId, subject, accountId: b.accountId });
  }

  const mappingsByOrg = new Map<string, MappingFact[]>();
  for (const m of facts.mappings) push(mappingsByOrg, m.organizationId, { id: m.id, idpValue: m.idpValue, roleId: m.roleId, accountId: m.accountId });

  const roles = new Map<string, RoleFact>(facts.roles.map((r) => [r.id, r]));

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

/**
 * The checks of an effective-access question about a loaded pair: an unknown or invisible user or
 * account is NOT_FOUND, an account of another organization BAD_USER_INPUT. Returns the user's
 * organization.
 */
export function checkAccessTarget(actor: Actor, graphs: LoadedAccessGraphs, target: AccessTarget): string {
  const user = graphs.users.get(target.userId);
  if (!user) throw NotFound.entity("user", target.userId);
  assertOrgVisible(actor, user.organizationId, "user", target.userId);
  const accountOrg = graphs.accounts.get(target.accountId);
  if (accountOrg === undefined) throw NotFound.entity("account", target.accountId);
  assertOrgVisible(actor, accountOrg, "account", target.accountId);
  if (accountOrg !== user.organizationId) throw new Invalid(`account ${target.accountId} is not in the user's organization`);
  return user.organizationId;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
