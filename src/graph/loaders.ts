import type { EntityManager, EntityName } from "@mikro-orm/core";
import DataLoader from "dataloader";
import type { Actor } from "../domain/actor";
import { getEffectiveAccessEach, type EffectiveAccess } from "../domain/queries/effective-access";
import { Account, AuditEvent, Group, Organization, Role, User } from "../domain/model";
import {
  directGroupIdsOfUsers, memberCountsOfGroups, memberPagesOfGroups, parentGroupIdsOfGroups,
  transitiveGroupIdsOfUsers, type MemberPageRequest, type MemberRow,
} from "../domain/queries/memberships";

/**
 * One set of loaders per request (DataLoader's contract: never share a cache between users).
 * Every relation a resolver follows goes through here, so a page of N parents costs one query
 * per relation, not N.
 */
export function createLoaders(em: EntityManager, actor: Actor) {
  return {
    organization: byId(em, Organization),
    account: byId(em, Account),
    user: byId(em, User),
    group: byId(em, Group),
    role: byId(em, Role),
    auditEvent: byId(em, AuditEvent),
    directGroupIds: new DataLoader<string, string[]>(async (userIds) => inOrder(userIds, await directGroupIdsOfUsers(em, [...userIds]))),
    transitiveGroupIds: new DataLoader<string, string[]>(async (userIds) => inOrder(userIds, await transitiveGroupIdsOfUsers(em, [...userIds]))),
    parentGroupIds: new DataLoader<string, string[]>(async (groupIds) => inOrder(groupIds, await parentGroupIdsOfGroups(em, [...groupIds]))),
    memberCount: new DataLoader<string, number>(async (groupIds) => inOrder(groupIds, await memberCountsOfGroups(em, [...groupIds]))),
    memberPage: new DataLoader<MemberPageRequest, MemberRow[], string>(
      (requests) => memberPagesOfGroups(em, [...requests]),
      { cacheKeyFn: (r) => `${r.groupId}|${r.afterId ?? ""}|${r.limit}` },
    ),
    effectiveAccess: new DataLoader<{ userId: string; accountId: string }, EffectiveAccess, string>(
      (targets) => getEffectiveAccessEach(em, actor, [...targets]),
      { cacheKeyFn: (t) => `${t.userId}|${t.accountId}` },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Rows by primary key; an id that matches nothing resolves to null. */
function byId<T extends { id: string }>(em: EntityManager, entity: EntityName<T>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await em.find(entity, { id: { $in: [...ids] } } as never);
    const byKey = new Map(rows.map((row) => [(row as T).id, row as T]));
    return ids.map((id) => byKey.get(id) ?? null);
  });
}

function inOrder<V>(keys: readonly string[], values: Map<string, V>): V[] {
  return keys.map((key) => values.get(key) as V);
}
