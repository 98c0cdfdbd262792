import type { EntityManager } from "@mikro-orm/core";
import { Group, GroupMembership, User } from "../../store/entities";
import type { MemberIds } from "../ports/records";
import { storeOf } from "../ports/store";
import { actsForIdp, type Actor } from "../actor";
import { recordAudit } from "../audit";
import { membersHiddenFromIdp } from "../idp-policy";
import { NO_ACCESS_CHANGE, rolesBoundOnOrAbove, trackAccess, usersInGroups, type AccessTracker } from "../events/access-changes";
import { runCommand, type CommandContext } from "../command";
import { Invalid, NotFound } from "../errors";
import { loadGroupForChange, touch } from "./group-rules";
import { batchedMemberChange } from "./membership-batch";
import { countMembers, limitMembershipChanges, planOnGroup } from "./membership-limit";

/**
 * A change to a group's member list, applied as row deletes and inserts, never as a rewrite of
 * the list: adding one member to a group of 50,000 is one INSERT. Means, in this order: empty the
 * list when `removeAll`, fill it with `replaceWith` when given, then `remove`, then `add` — the
 * order a sequence of SCIM PATCH operations folds into (scim/patch/types.ts).
 */
export interface MembershipChange {
  replaceWith?: MemberIds | null;
  removeAll?: boolean;
  remove?: MemberIds;
  add?: MemberIds;
  /**
   * Every id in replaceWith and add was just found in the group's organization, in this
   * transaction (patchGroup sorts SCIM's untyped ids that way), so adding skips checking again.
   */
  membersVerified?: boolean;
}

const NO_MEMBERS: MemberIds = { userIds: [], groupIds: [] };

/**
 * Applies a membership change inside the caller's transaction: one existence check for the
 * members added, one cycle check for nested groups added, then the deletes and multi-row inserts.
 * Writes group.member_add / group.member_remove audit events for what changed. Returns how many
 * memberships did (the rate limit counts those); the caller bumps the group's version once per
 * request when any did.
 */
export async function applyMembershipChange(em: EntityManager, ctx: CommandContext, group: Group, change: MembershipChange): Promise<number> {
  const remove = dedupe(change.remove ?? NO_MEMBERS);
  const add = dedupe(change.add ?? NO_MEMBERS);
  let toDelete = minus(remove, add);
  let toInsert = add;
  if (change.replaceWith || change.removeAll) {
    // The list after the change is (replacement − remove) ∪ add; only the difference from the
    // current list becomes row deletes and inserts.
    const current = await storeOf(em).memberIdsOfGroup(em, group.id);
    const target = change.replaceWith ? dedupe(change.replaceWith) : NO_MEMBERS;
    // An identity provider replaces the list it sees: members hidden from it stay.
    const hidden = { userIds: await membersHiddenFromIdp(em, ctx.actor, group.id), groupIds: [] };
    const final = union(union(minus(target, remove), add), hidden);
    toDelete = minus(current, final);
    toInsert = minus(final, current);
  }
  if (!isEmpty(toInsert)) {
    if (!change.membersVerified) await assertMembersInOrg(em, group.organization.id, toInsert);
    await assertNoCycle(em, group, toInsert.groupIds);
  }
  const access = await trackMembersAccess(em, ctx, group, union(toDelete, toInsert));
  // Only what really changed is audited: IdPs re-send adds of members already there and removals
  // of members already gone, and those leave no trace (the statements report the rows they touched).
  const removed = isEmpty(toDelete) ? NO_MEMBERS : await storeOf(em).deleteMemberships(em, group.id, toDelete);
  let cause = null;
  if (!isEmpty(removed)) {
    cause = recordAudit(em, ctx.actor, { type: "group.member_remove", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { ...removed } });
  }
  const added = isEmpty(toInsert) ? NO_MEMBERS : await storeOf(em).insertMemberships(em, group.id, toInsert);
  if (!isEmpty(added)) {
    cause = recordAudit(em, ctx.actor, { type: "group.member_add", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { ...added } });
  }
  if (cause) await access.record(cause);
  return size(removed) + size(added);
}

/** Adds users and groups to a group; members already present are left as they are. */
export async function addGroupMembers(ctx: CommandContext, input: { groupId: string; ifVersion?: number } & MemberIds): Promise<Group> {
  return changeMembers(ctx, input, { add: input });
}

/** Removes exactly the listed members from a group (never the whole list). */
export async function removeGroupMembers(ctx: CommandContext, input: { groupId: string; ifVersion?: number } & MemberIds): Promise<Group> {
  return changeMembers(ctx, input, { remove: input });
}

/**
 * Adds or removes listed members: group-committed with other requests' member changes
 * (membership-batch.ts), or on its own when it nests groups.
 */
function changeMembers(ctx: CommandContext, target: { groupId: string; ifVersion?: number }, change: { add?: MemberIds; remove?: MemberIds }): Promise<Group> {
  const selection = (ids: MemberIds | undefined) => ({ userIds: ids?.userIds ?? [], groupIds: ids?.groupIds ?? [], anyIds: [] });
  return batchedMemberChange(ctx, { groupId: target.groupId, ifVersion: target.ifVersion, add: selection(change.add), remove: selection(change.remove) },
    () => changeMembersAlone(ctx, target, change));
}

/** The same in a transaction of its own, each member counted against the organization's membership rate limit. */
async function changeMembersAlone(ctx: CommandContext, target: { groupId: string; ifVersion?: number }, change: { add?: MemberIds; remove?: MemberIds }): Promise<Group> {
  const plan = await planOnGroup(ctx, target.groupId, countMembers(change.add ?? NO_MEMBERS, change.remove ?? NO_MEMBERS));
  return limitMembershipChanges(ctx, plan, () => runCommand(ctx, async (em) => {
    const group = await loadGroupForChange(em, ctx, target.groupId, target.ifVersion, ["members"]);
    const changed = await applyMembershipChange(em, ctx, group, change);
    if (changed > 0) touch(group);
    return { result: group, changed };
  }));
}

/** Adds one user or group and returns the membership row (new or already there). */
export async function addGroupMember(
  ctx: CommandContext, input: { groupId: string; userId?: string | null; memberGroupId?: string | null },
): Promise<GroupMembership> {
  await addGroupMembers(ctx, { groupId: input.groupId, ...singleMember(input) });
  // Inside a caller's transaction (whatIf's dry run) the row is visible only to that transaction.
  const membership = await ctx.em.fork({ keepTransactionContext: true }).findOne(GroupMembership, {
    group: input.groupId,
    ...(input.userId ? { memberUser: input.userId } : { memberGroup: input.memberGroupId }),
  });
  if (!membership) throw new NotFound("the membership was removed concurrently");
  return membership;
}

/** Removes one user or group from a group. */
export async function removeGroupMember(
  ctx: CommandContext, input: { groupId: string; userId?: string | null; memberGroupId?: string | null },
): Promise<Group> {
  return removeGroupMembers(ctx, { groupId: input.groupId, ...singleMember(input) });
}

/**
 * Sorts member ids of unknown kind (SCIM `members[].value`) into users and groups of the
 * organization, in two indexed queries. Ids that are neither are returned as `unknown`.
 */
export async function classifyMembers(
  em: EntityManager, organizationId: string, ids: string[], actor: Actor,
): Promise<MemberIds & { unknown: string[] }> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { userIds: [], groupIds: [], unknown: [] };
  // Users protected from SCIM are unknown ids to an identity provider (domain/idp-policy.ts).
  const hidden = actsForIdp(actor) ? { protectedFromScim: false } : {};
  const users = new Set((await em.find(User, { id: { $in: unique }, organization: organizationId, ...hidden }, { fields: ["id"] })).map((u) => u.id));
  const rest = unique.filter((id) => !users.has(id));
  const groups = rest.length === 0 ? new Set<string>() : new Set((await em.find(Group, { id: { $in: rest }, organization: organizationId }, { fields: ["id"] })).map((g) => g.id));
  return { userIds: [...users], groupIds: [...groups], unknown: rest.filter((id) => !groups.has(id)) };
}

function singleMember(input: { userId?: string | null; memberGroupId?: string | null }): MemberIds {
  if (Boolean(input.userId) === Boolean(input.memberGroupId)) throw new Invalid("give exactly one of userId or memberGroupId");
  return input.userId ? { userIds: [input.userId], groupIds: [] } : { userIds: [], groupIds: [input.memberGroupId as string] };
}

/** Every member added must exist in the group's own organization: one query per member kind. */
async function assertMembersInOrg(em: EntityManager, organizationId: string, members: MemberIds): Promise<void> {
  const checks: Array<[typeof User | typeof Group, string[], string]> = [[User, members.userIds, "user"], [Group, members.groupIds, "group"]];
  for (const [entity, ids, kind] of checks) {
    if (ids.length === 0) continue;
    const found = await em.find(entity as typeof User, { id: { $in: ids }, organization: organizationId }, { fields: ["id"] });
    const foundIds = new Set(found.map((row) => row.id));
    const missing = ids.find((id) => !foundIds.has(id));
    if (missing !== undefined) throw NotFound.entity(kind, missing);
  }
}

/**
 * Nesting M inside G makes a cycle when G already sits inside M (or M is G). Two commands nesting
 * X in Y and Y in X at once would each find no cycle in the graph the other has not committed yet,
 * so nesting changes of one organization take turns on its row's lock (lockForChange) and each
 * walks the graph the previous one left.
 */
async function assertNoCycle(em: EntityManager, group: Group, memberGroupIds: string[]): Promise<void> {
  if (memberGroupIds.length === 0) return;
  await storeOf(em).lockForChange(em, "organization", group.organization.id);
  const ancestors = await storeOf(em).ancestorGroupIds(em, group.id);
  ancestors.add(group.id);
  const offending = memberGroupIds.find((id) => ancestors.has(id));
  if (offending !== undefined) {
    const member = await em.findOne(Group, { id: offending });
    throw Invalid.groupCycle(group.displayName, member?.displayName ?? offending);
  }
}

function dedupe(members: MemberIds): MemberIds {
  return { userIds: [...new Set(members.userIds)], groupIds: [...new Set(members.groupIds)] };
}

function union(a: MemberIds, b: MemberIds): MemberIds {
  return dedupe({ userIds: [...a.userIds, ...b.userIds], groupIds: [...a.groupIds, ...b.groupIds] });
}

function minus(a: MemberIds, b: MemberIds): MemberIds {
  const users = new Set(b.userIds);
  const groups = new Set(b.groupIds);
  return { userIds: a.userIds.filter((id) => !users.has(id)), groupIds: a.groupIds.filter((id) => !groups.has(id)) };
}

function isEmpty(m: MemberIds): boolean {
  return size(m) === 0;
}

function size(m: MemberIds): number {
  return m.userIds.length + m.groupIds.length;
}

/**
 * The access of the users a membership change can reach (those added or removed, and the users of
 * groups added or removed), when a role is bound on the group or a group above it; else none.
 */
async function trackMembersAccess(em: EntityManager, ctx: CommandContext, group: Group, members: MemberIds): Promise<AccessTracker> {
  if (isEmpty(members)) return NO_ACCESS_CHANGE;
  return trackAccess(em, ctx.actor, group.organization.id, async () => ((await rolesBoundOnOrAbove(em, [group.id]))
    ? [...members.userIds, ...(await usersInGroups(em, members.groupIds))] : []));
}
