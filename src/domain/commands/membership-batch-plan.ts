import type { Actor } from "../actor";
import { actsForIdp } from "../actor";
import { Invalid, NotFound } from "../errors";
import type { MemberFacts, MemberIds, MembershipRow } from "../ports/records";
import { assertOrgVisible } from "../tenancy";
import { assertVersion } from "../versions";
import { assertGroupOwner, groupSyncIsOff } from "./group-rules";

/**
 * Members named by a request: by kind when the caller knows it (GraphQL's userId / memberGroupId),
 * or by id alone (SCIM's `members[].value`, which may name a user or a group).
 */
export interface MemberSelection {
  userIds: string[];
  groupIds: string[];
  anyIds: string[];
}

/** One request's change to one group's member list: remove these, add those (disjoint, as a PATCH folds them). */
export interface MemberChange {
  actor: Actor;
  groupId: string;
  ifVersion?: number;
  add: MemberSelection;
  remove: MemberSelection;
}

/** What a batch's transaction read, under the groups' locks, for every change in it. */
export interface BatchState {
  groups: Map<string, { organizationId: string; version: number; managedBy: "ADMIN" | "SCIM" }>;
  /** Organizations whose "sync groups" setting is off (asked for those an IdP's change touches). */
  groupSyncOff: Set<string>;
  /** Each member id named in the batch that exists, as a user or a group. */
  members: Map<string, MemberFacts>;
  /** The memberships among the named (group, member) pairs that exist, keyed by pairKey. */
  existing: Set<string>;
}

export type ChangeOutcome =
  /** Applied (possibly changing nothing): the group's version after it, and what really changed. */
  | { kind: "applied"; version: number; added: MemberIds; removed: MemberIds }
  | { kind: "failed"; error: Error }
  /** It nests groups: the cycle rule walks the committed graph, so it runs in a transaction of its own. */
  | { kind: "alone" };

export interface BatchPlan {
  outcomes: ChangeOutcome[];
  /** The net writes of the whole batch: rows to insert and rows to delete. */
  inserts: MembershipRow[];
  deletes: MembershipRow[];
}

export function pairKey(groupId: string, memberId: string): string {
  return `${groupId} ${memberId}`;
}

/**
 * Applies a batch of member changes in order to the state their transaction read, with the rules
 * each change obeys alone (group.ts, group-members.ts): the group visible to the actor, an IdP's
 * change only while the organization syncs groups, the version the client named still current,
 * no admin change to an IdP's group, every member added in the group's organization (and, for an
 * IdP, not protected from it). Each change sees the state the changes before it left: its outcome,
 * version and audit are its own, as if it had run alone after them. A failing change fails alone.
 * Pure: the caller reads the state and writes the plan's net rows, one statement per kind.
 */
export function planBatch(changes: MemberChange[], state: BatchState): BatchPlan {
  const versions = new Map<string, number>();
  const present = new Map<string, { pair: MembershipRow; initially: boolean; now: boolean }>();
  const isMember = (pair: MembershipRow) => present.get(pairKey(pair.groupId, pair.memberId))?.now ?? state.existing.has(pairKey(pair.groupId, pair.memberId));
  const setMember = (pair: MembershipRow, now: boolean) => {
    const key = pairKey(pair.groupId, pair.memberId);
    const entry = present.get(key);
    if (entry) entry.now = now;
    else present.set(key, { pair, initially: state.existing.has(key), now });
  };

  const outcomes = changes.map((change): ChangeOutcome => {
    let resolved: { add: MembershipRow[]; remove: MembershipRow[] } | "alone";
    let current: number;
    try {
      const group = state.groups.get(change.groupId);
      if (!group) throw NotFound.entity("group", change.groupId);
      assertOrgVisible(change.actor, group.organizationId, "group", change.groupId);
      if (actsForIdp(change.actor) && state.groupSyncOff.has(group.organizationId)) throw groupSyncIsOff();
      // The version the changes before it in the batch left, or the one read.
      current = versions.get(change.groupId) ?? group.version;
      assertVersion(current, change.ifVersion);
      assertGroupOwner(change.actor, { id: change.groupId, managedBy: group.managedBy }, ["members"]);
      resolved = resolveMembers(change, group.organizationId, state.members);
    } catch (error) {
      return { kind: "failed", error: error as Error };
    }
    if (resolved === "alone") return { kind: "alone" };
    const removed: MemberIds = { userIds: [], groupIds: [] };
    const added: MemberIds = { userIds: [], groupIds: [] };
    for (const pair of resolved.remove) {
      if (!isMember(pair)) continue;
      setMember(pair, false);
      (pair.kind === "user" ? removed.userIds : removed.groupIds).push(pair.memberId);
    }
    for (const pair of resolved.add) {
      if (isMember(pair)) continue;
      setMember(pair, true);
      (pair.kind === "user" ? added.userIds : added.groupIds).push(pair.memberId);
    }
    const changed = removed.userIds.length + removed.groupIds.length + added.userIds.length + added.groupIds.length > 0;
    const version = changed ? current + 1 : current;
    versions.set(change.groupId, version);
    return { kind: "applied", version, added, removed };
  });

  const inserts: MembershipRow[] = [];
  const deletes: MembershipRow[] = [];
  for (const { pair, initially, now } of present.values()) {
    if (now && !initially) inserts.push(pair);
    if (!now && initially) deletes.push(pair);
  }
  return { outcomes, inserts, deletes };
}

/**
 * The change's members as rows of its group. Adding an id that is no member of the organization
 * (or a user an IdP may not see) fails the change; removing one is a no-op (IdPs retry removals).
 * Adding a group nests it, which the cycle rule must check against the graph: "alone".
 */
function resolveMembers(change: MemberChange, organizationId: string, members: Map<string, MemberFacts>): { add: MembershipRow[]; remove: MembershipRow[] } | "alone" {
  const idp = actsForIdp(change.actor);
  const found = (id: string, kind: "user" | "group" | null): MembershipRow | null => {
    const facts = members.get(id);
    if (!facts || facts.organizationId !== organizationId || (kind && facts.kind !== kind)) return null;
    if (idp && facts.protectedFromScim) return null;
    return { groupId: change.groupId, memberId: id, kind: facts.kind };
  };
  const add: MembershipRow[] = [];
  for (const id of unique(change.add.userIds)) add.push(found(id, "user") ?? fail(NotFound.entity("user", id)));
  for (const id of unique(change.add.groupIds)) add.push(found(id, "group") ?? fail(NotFound.entity("group", id)));
  for (const id of unique(change.add.anyIds)) {
    add.push(found(id, null) ?? fail(new Invalid(`no user or group with id ${id} exists in this organization`)));
  }
  if (add.some((pair) => pair.kind === "group")) return "alone";
  const named = [
    ...unique(change.remove.userIds).map((id) => found(id, "user")),
    ...unique(change.remove.groupIds).map((id) => found(id, "group")),
    ...unique(change.remove.anyIds).map((id) => found(id, null)),
  ];
  const adding = new Set(add.map((pair) => pair.memberId));
  const remove = named.filter((pair): pair is MembershipRow => pair !== null && !adding.has(pair.memberId));
  return { add: dedupePairs(add), remove: dedupePairs(remove) };
}

function fail(error: Error): never {
  throw error;
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

function dedupePairs(pairs: MembershipRow[]): MembershipRow[] {
  const seen = new Set<string>();
  return pairs.filter((pair) => !seen.has(pair.memberId) && Boolean(seen.add(pair.memberId)));
}
