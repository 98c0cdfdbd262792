import type { EntityManager } from "@mikro-orm/core";
import type { CommandContext } from "../command";
import { Invalid, RateLimited } from "../errors";
import { readVisibleGroup, readVisibleOrganization } from "../lookup";
import type { MemberIds } from "../ports/records";
import { rateLimitersOf, type RateCharge, type RateLimiter, type RatePolicy } from "../ports/rate-limits";
import { storeOf } from "../ports/store";
import { membershipPolicyOf } from "../rate-limits";

/**
 * The membership rate limit (Stripe's promise: 100 changes per second per organization, bursts of
 * 500), counted per member changed over both surfaces. Every command that changes memberships on
 * request (adding and removing members, creating a group with members, SCIM PUT and PATCH of a
 * group) runs through limitMembershipChanges. Deleting a group or a user removes its memberships
 * too, but is not a membership change anyone asked for, and is not counted.
 */

/** What a request will change, known before its command runs. */
export interface MembershipPlan {
  organizationId: string;
  /** Members it asks to add or remove (for a list replacement: the difference from the current list). */
  members: number;
  /**
   * The members it would really change, from the group's current list: read only when `members`
   * is more than the burst (an IdP re-sending a big group's adds), so such a request is refused
   * only when it really changes too many.
   */
  exactly?: () => Promise<number>;
}

/** A command's result and how many memberships it really changed. */
export interface Counted<T> {
  result: T;
  changed: number;
}

/**
 * Takes the plan's members from the organization's budget, then runs the command; past the limit,
 * throws RateLimited and runs nothing. The budget is taken before the command's transaction and
 * never inside it: the counter is a database row written on a pooled connection, and on SQLite
 * the pool's one writer connection belongs to the transaction (the limiter would wait for it
 * forever).
 *
 * What was not used is given back afterwards, so only real changes are counted: all of it when
 * the command fails (nothing was applied: a refused bad request does not eat the budget), and the
 * members that changed nothing (an IdP re-adding members already there). A request is admitted by
 * what it asks for; what it ends up changing can only be less, except when a concurrent change of
 * the same group's list between the count and the command makes a list replacement change more —
 * those few are not charged.
 */
export async function limitMembershipChanges<T>(ctx: CommandContext, plan: MembershipPlan | null, command: () => Promise<Counted<T>>): Promise<T> {
  if (!plan || plan.members === 0 || !ctx.limits) return (await command()).result;
  const policy = await membershipPolicy(ctx, plan.organizationId);
  if (!policy) return (await command()).result;
  const members = plan.members > policy.burst && plan.exactly ? await plan.exactly() : plan.members;
  if (members === 0) return (await command()).result;
  if (members > policy.burst) throw tooManyAtOnce(members, policy);
  if (ctx.em.isInTransaction()) throw new Error("the membership rate limit is taken before a command's transaction, never inside it");
  const limiter = rateLimitersOf(ctx.em).memberships;
  const decision = await limiter.consume(plan.organizationId, members, policy);
  if (!decision.allowed) throw overTheLimit(ctx, policy, members, decision.retryAfterMs);
  let outcome: Counted<T>;
  try {
    outcome = await command();
  } catch (error) {
    await refund(limiter, decision.charge, members);
    throw error;
  }
  if (outcome.changed < members) await refund(limiter, decision.charge, members - outcome.changed);
  return outcome.result;
}

/** The membership policy of an organization the actor sees, under the server's limits, or null when it has none. */
export async function membershipPolicy(ctx: CommandContext, organizationId: string): Promise<RatePolicy | null> {
  if (!ctx.limits) return null;
  const org = await readVisibleOrganization(ctx.em, ctx.actor, organizationId);
  return membershipPolicyOf(org, ctx.limits);
}

/** More than the burst can never fit, however long the client waits: not a 429. */
export function tooManyAtOnce(members: number, policy: RatePolicy): Invalid {
  return new Invalid(`this request changes ${members} group memberships, more than this organization may change at once (${policy.burst}): send it in parts of at most ${policy.burst}`, "limit");
}

/** The refusal of a request of `members` changes past the organization's limit (counted for the metrics). */
export function overTheLimit(ctx: CommandContext, policy: RatePolicy, members: number, retryAfterMs: number): RateLimited {
  ctx.limits?.onRejected?.("membership");
  return RateLimited.after(
    `this organization may change ${policy.ratePerSecond} group memberships per second (bursts of ${policy.burst}) and this request changes ${members}: nothing of it was applied`,
    retryAfterMs,
  );
}

/** A refund that fails only leaves the points charged until their window ends: the request's own outcome stands. */
export async function refund(limiter: RateLimiter, charge: RateCharge, points: number): Promise<void> {
  if (points > 0) await limiter.refund(charge, points).catch(() => undefined);
}

/**
 * The plan of a change to one group's members. An organization-scoped actor's organization is the
 * group's (were it not, the command finds no group and the points are given back); a global
 * actor's is read from the group.
 */
export async function planOnGroup(ctx: CommandContext, groupId: string, members: number): Promise<MembershipPlan | null> {
  if (!ctx.limits || members === 0) return null;
  const organizationId = ctx.actor.organizationId ?? (await readVisibleGroup(ctx.em.fork(), groupId, ctx.actor)).organization.id;
  return { organizationId, members };
}

/** Member ids of unknown kind (users or groups), as SCIM sends them. */
export interface UntypedMembershipChange {
  replaceWith?: string[] | null;
  removeAll?: boolean;
  remove?: string[];
  add?: string[];
}

/**
 * The plan of a change to one group's list, for the group's organization: adds and removals as
 * named; a replacement by its difference from the current list, read for it (as the command reads
 * it again, to apply it as row deletes and inserts).
 */
export async function planListChange(em: EntityManager, organizationId: string, groupId: string, change: UntypedMembershipChange): Promise<MembershipPlan> {
  const exactly = async () => {
    const current = await storeOf(em).memberIdsOfGroup(em, groupId);
    return countPlannedChanges([...current.userIds, ...current.groupIds], change);
  };
  const replaces = Boolean(change.replaceWith || change.removeAll);
  return { organizationId, members: replaces ? await exactly() : countPlannedChanges(null, change), exactly: replaces ? undefined : exactly };
}

/**
 * Members a change adds or removes. Without the current list (null), each member named counts (ids
 * are unique across users and groups). With it, the difference between the list and the list
 * after the change: `(replaceWith − remove) ∪ add` for a replacement, `(current − remove) ∪ add`
 * otherwise, as applyMembershipChange computes it.
 */
export function countPlannedChanges(current: string[] | null, change: UntypedMembershipChange): number {
  if (current === null) return new Set([...(change.add ?? []), ...(change.remove ?? [])]).size;
  const removed = new Set(change.remove ?? []);
  const base = change.replaceWith || change.removeAll ? change.replaceWith ?? [] : current;
  const after = new Set([...base.filter((id) => !removed.has(id)), ...(change.add ?? [])]);
  const before = new Set(current);
  let changed = 0;
  for (const id of before) if (!after.has(id)) changed += 1;
  for (const id of after) if (!before.has(id)) changed += 1;
  return changed;
}

/** Members named in typed lists, each once. */
export function countMembers(...lists: MemberIds[]): number {
  return new Set(lists.flatMap((m) => [...m.userIds, ...m.groupIds])).size;
}
