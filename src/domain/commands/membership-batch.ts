import type { EntityManager } from "@mikro-orm/core";
import type { Group } from "../../store/entities";
import type { Actor } from "../actor";
import { auditEvent, recordAudit, type AuditRecord } from "../audit";
import { signalEventsCommitted } from "../events/commit-signal";
import { rolesBoundOnOrAbove, trackAccess, usersInGroups, type AccessTracker } from "../events/access-changes";
import type { CommandContext } from "../command";
import { readVisibleGroup } from "../lookup";
import { rateLimitersOf, type RateCharge } from "../ports/rate-limits";
import { storeOf, type MembershipState } from "../ports/store";
import { assertCanWrite } from "../tenancy";
import { planBatch, pairKey, type ChangeOutcome, type MemberChange, type MemberSelection } from "./membership-batch-plan";
import { membershipPolicy, overTheLimit, refund } from "./membership-limit";

/**
 * Membership changes group-committed, as creates are (store/sql/group-commit.ts): member adds and
 * removals arriving while a batch is being written queue, and the next transaction applies all of
 * them — one statement per kind of read and write for the whole batch, whatever its size, instead
 * of a dozen per request. Alone, a change still gets its transaction at once (no timer).
 *
 * Each change keeps its own outcome (membership-batch-plan.ts applies them in order, with the rules
 * each obeys alone), its own audit events and its own version (the ETag its response carries).
 * The membership rate limit is taken once per organization for a whole batch and what was not
 * used is given back once. What a batch cannot decide by itself runs on its own, as it did before
 * batching, through the caller's `alone`: a change that nests groups (the cycle rule walks the
 * committed graph), one larger than the organization's burst (the limit then counts it against the
 * current list), and every change of a batch whose transaction failed.
 */
export function batchedMemberChange(ctx: CommandContext, change: Omit<MemberChange, "actor">, alone: () => Promise<Group>): Promise<Group> {
  assertCanWrite(ctx.actor);
  // Typed group members are known to nest before anything is read.
  if (change.add.groupIds.length > 0) return alone();
  // A change made inside its caller's transaction (whatIf's dry run, domain/queries/what-if.ts)
  // must stay in it: a batch commits in a transaction of its own, with other requests' changes.
  if (ctx.em.isInTransaction()) return alone();
  let queue = queues.get(ctx.em.config);
  if (!queue) queues.set(ctx.em.config, (queue = new MembershipQueue()));
  return queue.enqueue({ ctx, change: { ...change, actor: ctx.actor }, points: pointsOf(change), alone });
}

/** Requests per transaction: bounds its duration and its statements' parameter lists. */
const MAX_CHANGES_PER_BATCH = 64;

const queues = new WeakMap<object, MembershipQueue>();

interface Queued {
  ctx: CommandContext;
  change: MemberChange;
  /** Members it names, each once: what the rate limit charges before knowing what really changes. */
  points: number;
  alone: () => Promise<Group>;
  resolve: (group: Group) => void;
  reject: (error: unknown) => void;
}

/** Points taken from an organization's budget for some of a batch's requests. */
interface Charge {
  charge: RateCharge;
  ctx: CommandContext;
  requests: Queued[];
}

class MembershipQueue {
  private readonly pending: Queued[] = [];
  private draining = false;

  enqueue(request: Omit<Queued, "resolve" | "reject">): Promise<Group> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...request, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_CHANGES_PER_BATCH);
        // A failure outside the batch's transaction (the rate limit's counter unreachable) answers
        // every request not answered yet; a promise already settled ignores it.
        await this.write(batch).catch((error: unknown) => batch.forEach((request) => request.reject(error)));
      }
    } finally {
      this.draining = false;
    }
  }

  private async write(batch: Queued[]): Promise<void> {
    const { admitted, charges } = await admit(batch);
    if (admitted.length === 0) return;
    let results: BatchResult[];
    try {
      results = await applyBatch(admitted[0].ctx.em, admitted.map((request) => request.change));
    } catch {
      // Something only the database knew (a member deleted meanwhile by another process): each
      // change runs again alone, to get exactly its own outcome.
      for (const { charge, ctx, requests } of charges) await refund(rateLimitersOf(ctx.em).memberships, charge, sumOf(requests, (r) => r.points));
      for (const request of admitted) runAlone(request);
      return;
    }
    const changed = new Map<Queued, number>();
    admitted.forEach((request, index) => {
      const { outcome, group } = results[index];
      if (outcome.kind === "applied") {
        changed.set(request, size(outcome.added) + size(outcome.removed));
        request.resolve(group as Group);
      } else if (outcome.kind === "failed") {
        request.reject(outcome.error);
      } else {
        runAlone(request);
      }
    });
    for (const { charge, ctx, requests } of charges) {
      await refund(rateLimitersOf(ctx.em).memberships, charge, sumOf(requests, (r) => r.points - (changed.get(r) ?? 0)));
    }
  }
}

function runAlone(request: Queued): void {
  request.alone().then(request.resolve, request.reject);
}

/**
 * The membership rate limit for a batch: per organization, the points of all its requests taken at
 * once; refused, each request's own points in turn, so a request that fits is not refused for its
 * neighbours. A request bigger than the organization's burst runs alone (the limit then counts
 * what it really changes). Refused and failed requests are answered here.
 */
async function admit(batch: Queued[]): Promise<{ admitted: Queued[]; charges: Charge[] }> {
  const admitted: Queued[] = [];
  const charges: Charge[] = [];
  const byOrganization = new Map<string, Queued[]>();
  for (const request of batch) {
    if (!request.ctx.limits || request.points === 0) {
      admitted.push(request);
      continue;
    }
    try {
      const organizationId = request.ctx.actor.organizationId ?? (await readVisibleGroup(request.ctx.em.fork(), request.change.groupId, request.ctx.actor)).organization.id;
      const requests = byOrganization.get(organizationId);
      if (requests) requests.push(request);
      else byOrganization.set(organizationId, [request]);
    } catch (error) {
      request.reject(error);
    }
  }
  for (const [organizationId, requests] of byOrganization) {
    const { ctx } = requests[0];
    let policy;
    try {
      policy = await membershipPolicy(ctx, organizationId);
    } catch (error) {
      for (const request of requests) request.reject(error);
      continue;
    }
    if (!policy) {
      admitted.push(...requests);
      continue;
    }
    const fitting = requests.filter((request) => request.points <= policy.burst);
    for (const request of requests) if (request.points > policy.burst) runAlone(request);
    const limiter = rateLimitersOf(ctx.em).memberships;
    const total = sumOf(fitting, (r) => r.points);
    const together = total <= policy.burst && fitting.length > 1 ? await limiter.consume(organizationId, total, policy) : null;
    if (together?.allowed) {
      charges.push({ charge: together.charge, ctx, requests: fitting });
      admitted.push(...fitting);
      continue;
    }
    for (const request of fitting) {
      const decision = await limiter.consume(organizationId, request.points, policy);
      if (!decision.allowed) {
        request.reject(overTheLimit(request.ctx, policy, request.points, decision.retryAfterMs));
        continue;
      }
      charges.push({ charge: decision.charge, ctx, requests: [request] });
      admitted.push(request);
    }
  }
  // Kept in arrival order: each change sees the ones that came before it.
  const order = new Map(batch.map((request, index) => [request, index]));
  admitted.sort((a, b) => (order.get(a) as number) - (order.get(b) as number));
  return { admitted, charges };
}

/**
 * One transaction for a batch: its groups (locked on PostgreSQL; SQLite's one writer is the lock)
 * read with their organizations' group sync setting, what each named member is, which of the
 * named memberships exist, whether a role is bound on or above the groups — four statements —
 * then the batch's net deletes and inserts, its audit events and its groups' new versions, one
 * statement each. Returns each change's outcome, and for an applied one the group as that change
 * left it.
 *
 * Where the store has write sessions (SQLite's writer thread) and no role is bound on or above the
 * groups — so no one's effective access can change, the common case of an IdP pushing groups —
 * the batch is one write session: its reads posted together, its writes as one message, so the
 * write lock is held across two waits of this thread instead of a dozen. Otherwise (PostgreSQL, or
 * roles that make access.changed events to compute) it is a MikroORM transaction.
 */
async function applyBatch(requestEm: EntityManager, changes: MemberChange[]): Promise<BatchResult[]> {
  const groupIds = [...new Set(changes.map((c) => c.groupId))];
  const memberIds = [...new Set(changes.flatMap((c) => [...idsOf(c.add), ...idsOf(c.remove)]))];
  let results: BatchResult[] = [];
  const em = requestEm.fork();
  const now = Date.now();
  const bound = groupIds.some((id) => (rolesBoundHints.get(id) ?? 0) > now);
  const written = !bound && await storeOf(em).membershipTransaction(em, { groupIds, memberIds }, (state) => {
    if (state.rolesBound) {
      hintRolesBound(groupIds, now);
      return null;
    }
    const { plan, groups } = planFor(changes, state);
    const applied = applyOutcomes(changes, plan.outcomes, groups);
    results = applied.results;
    return {
      deletes: plan.deletes,
      inserts: plan.inserts,
      events: applied.events.map(({ actor, record }) => auditEvent(actor, record)),
      groupVersions: applied.changedGroups.map((group) => ({ id: group.id, version: group.version, updatedAt: group.updatedAt })),
    };
  });
  if (!written) results = await applyInTransaction(requestEm, changes, groupIds, memberIds);
  signalEventsCommitted();
  return results;
}

type BatchResult = { outcome: ChangeOutcome; group: Group | null };

/**
 * Groups whose batch found a role bound on or above them, until when: their next batches go
 * straight to the MikroORM transaction (which works out access.changed) instead of first opening
 * a write session that would only be rolled back. A hint, never a rule: a session checks the
 * bindings itself, and the hint lapses, so a group whose binding went gets sessions again.
 */
const rolesBoundHints = new Map<string, number>();
const ROLES_BOUND_HINT_MS = 60_000;
const ROLES_BOUND_HINTS_KEPT = 10_000;

function hintRolesBound(groupIds: string[], now: number): void {
  for (const id of groupIds) {
    rolesBoundHints.delete(id);
    rolesBoundHints.set(id, now + ROLES_BOUND_HINT_MS);
  }
  // Oldest first (a Map keeps insertion order): the longest-lapsed go.
  for (const id of rolesBoundHints.keys()) {
    if (rolesBoundHints.size <= ROLES_BOUND_HINTS_KEPT) break;
    rolesBoundHints.delete(id);
  }
}

/** The batch as a MikroORM transaction, which also works out and records whose access changed. */
async function applyInTransaction(requestEm: EntityManager, changes: MemberChange[], groupIds: string[], memberIds: string[]): Promise<BatchResult[]> {
  return requestEm.fork().transactional(async (em) => {
    const store = storeOf(em);
    const { plan, groups } = planFor(changes, {
      groups: await store.lockGroupsForChange(em, groupIds),
      members: await store.memberFacts(em, memberIds),
      existing: await store.existingMemberships(em, groupIds, memberIds),
    });
    const access = await trackBatchAccess(em, changes, plan.outcomes, groups);
    if (plan.deletes.length > 0) await store.deleteMembershipRows(em, plan.deletes);
    if (plan.inserts.length > 0) await store.insertMembershipRows(em, plan.inserts);
    const { results, events } = applyOutcomes(changes, plan.outcomes, groups);
    const causes = events.map(({ actor, record }) => recordAudit(em, actor, record));
    // The batch's changes are applied together: the first one's event stands for their cause.
    if (causes.length > 0) await access.record(causes[0]);
    return results;
  });
}

/** The batch planned against what its transaction read (membership-batch-plan.ts). */
function planFor(changes: MemberChange[], state: Omit<MembershipState, "rolesBound">) {
  const groups = new Map(state.groups.map(({ group }) => [group.id, group]));
  const plan = planBatch(changes, {
    groups: new Map([...groups].map(([id, g]) => [id, { organizationId: g.organization.id, version: g.version, managedBy: g.managedBy }])),
    groupSyncOff: new Set(state.groups.filter((l) => !l.organizationSyncsGroups).map((l) => l.group.organization.id)),
    members: state.members,
    existing: new Set(state.existing.map((m) => pairKey(m.groupId, m.memberId))),
  });
  return { plan, groups };
}

/**
 * What the applied changes come to: each one's audit events (removals, then additions) and the
 * group as it left it; the groups' entities moved on to their last versions.
 */
function applyOutcomes(changes: MemberChange[], outcomes: ChangeOutcome[], groups: Map<string, Group>) {
  const now = new Date();
  const events: Array<{ actor: Actor; record: AuditRecord }> = [];
  const changedGroups = new Set<Group>();
  const results = outcomes.map((outcome, index): BatchResult => {
    if (outcome.kind !== "applied") return { outcome, group: null };
    const change = changes[index];
    const group = groups.get(change.groupId) as Group;
    const organizationId = group.organization.id;
    if (size(outcome.removed) > 0) {
      events.push({ actor: change.actor, record: { type: "group.member_remove", organizationId, targetType: "group", targetId: group.id, data: { ...outcome.removed } } });
    }
    if (size(outcome.added) > 0) {
      events.push({ actor: change.actor, record: { type: "group.member_add", organizationId, targetType: "group", targetId: group.id, data: { ...outcome.added } } });
    }
    if (outcome.version !== group.version) {
      group.version = outcome.version;
      group.updatedAt = now;
      changedGroups.add(group);
    }
    return { outcome, group: snapshotOf(group) };
  });
  return { results, events, changedGroups: [...changedGroups] };
}

/**
 * The access of every user the batch's applied changes can reach, when a role is bound on one of
 * the changed groups or above them (else none: an IdP's sync of groups without bindings pays one
 * statement per batch here, two on PostgreSQL with its access lock, and no snapshot).
 */
async function trackBatchAccess(
  em: EntityManager, changes: MemberChange[], outcomes: ChangeOutcome[], groups: Map<string, Group>,
): Promise<AccessTracker> {
  // Per organization: the groups whose members changed, and the users and groups added or removed.
  const changed = new Map<string, { groupIds: Set<string>; userIds: Set<string>; memberGroupIds: Set<string>; actor: Actor }>();
  outcomes.forEach((outcome, index) => {
    if (outcome.kind !== "applied" || (size(outcome.added) === 0 && size(outcome.removed) === 0)) return;
    const { groupId, actor } = changes[index];
    const organizationId = (groups.get(groupId) as Group).organization.id;
    let members = changed.get(organizationId);
    // Its events are recorded as the actor of the organization's first change.
    if (!members) changed.set(organizationId, (members = { groupIds: new Set(), userIds: new Set(), memberGroupIds: new Set(), actor }));
    members.groupIds.add(groupId);
    for (const ids of [outcome.added, outcome.removed]) {
      ids.userIds.forEach((id) => members.userIds.add(id));
      ids.groupIds.forEach((id) => members.memberGroupIds.add(id));
    }
  });
  // Requests of one batch come from one organization in practice; each gets its own tracker, made
  // in id order (trackAccess takes the organization's access lock, and locks go in one order).
  // Whether a role is bound is read under that lock: a binding committing meanwhile is then seen
  // here or its own command sees these members, never neither.
  const trackers: AccessTracker[] = [];
  for (const [organizationId, { groupIds, userIds, memberGroupIds, actor }] of [...changed].sort(([a], [b]) => (a < b ? -1 : 1))) {
    trackers.push(await trackAccess(em, actor, organizationId, async () => ((await rolesBoundOnOrAbove(em, [...groupIds]))
      ? [...userIds, ...(await usersInGroups(em, [...memberGroupIds]))] : [])));
  }
  return {
    async record(cause) {
      let changedUsers = 0;
      for (const tracker of trackers) changedUsers += await tracker.record(cause);
      return changedUsers;
    },
  };
}

/**
 * The group as one change left it: a copy, since later changes of the batch move the managed
 * entity on (each response carries its own version). Copying through the entity's own accessors
 * gives the copy state of its own.
 */
function snapshotOf(group: Group): Group {
  return Object.assign(Object.create(Object.getPrototypeOf(group) as object) as Group, group);
}

function pointsOf(change: Omit<MemberChange, "actor">): number {
  return new Set([...idsOf(change.add), ...idsOf(change.remove)]).size;
}

function idsOf(selection: MemberSelection): string[] {
  return [...selection.userIds, ...selection.groupIds, ...selection.anyIds];
}

function size(members: { userIds: string[]; groupIds: string[] }): number {
  return members.userIds.length + members.groupIds.length;
}

function sumOf<T>(items: T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0);
}
