import type { EntityManager } from "@mikro-orm/core";
import { DeadlockException, ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Actor } from "./actor";
import type { RateLimits } from "./rate-limits";
import { assertCanWrite } from "./tenancy";
import { Conflict, Invalid } from "./errors";
import { signalEventsCommitted } from "./events/commit-signal";
import { storeOf, type UniqueRule } from "./ports/store";

/** What every command receives: a request-scoped EntityManager and who is acting. */
export interface CommandContext {
  em: EntityManager;
  actor: Actor;
  /**
   * The server's rate limits, when the command serves a request of the GraphQL or SCIM surface;
   * absent for the operator's CLI and internal callers, whose changes are never rate limited.
   */
  limits?: RateLimits;
}

/**
 * Runs one command in one transaction. The callback persists its changes and its audit event on
 * the transactional `em`; they are flushed and committed together, or rolled back together.
 * A unique-index violation becomes a domain Conflict: the index, not a SELECT before the INSERT,
 * decides uniqueness (one round trip fewer, and no race between check and insert).
 */
export async function runCommand<T>(ctx: CommandContext, work: (em: EntityManager) => Promise<T>): Promise<T> {
  assertCanWrite(ctx.actor);
  // The transaction's fork starts with the request's entities, its organization among them.
  storeOf(ctx.em).loadTokenOrganization(ctx.em);
  const result = await mapUniqueViolation(ctx.em, () => retryDeadlocks(() => ctx.em.transactional(work)));
  // Every command records its audit event: there are events to deliver.
  signalEventsCommitted();
  return result;
}

/** Attempts of a command PostgreSQL chose as a deadlock's victim (each attempt is rolled back whole). */
const DEADLOCK_ATTEMPTS = 3;

/**
 * Commands lock rows in one order (the row changed, then its organization: lookup.ts LoadOptions),
 * but a cascade or a foreign-key check can still cross another transaction's locks; PostgreSQL
 * then rolls one back. Its work never committed, so it runs again from the start.
 */
async function retryDeadlocks<T>(attempt: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof DeadlockException) || tries >= DEADLOCK_ATTEMPTS) throw error;
    }
  }
}

/**
 * A command whose whole write is new rows (the entity and its audit event), built in memory
 * beforehand: inserted in one transaction with prepared statements and no unit of work, which
 * keeps the writer's transaction as short as SQLite allows. Same guarantees as runCommand.
 */
export async function insertCommand(ctx: CommandContext, entities: object[]): Promise<void> {
  assertCanWrite(ctx.actor);
  await mapUniqueViolation(ctx.em, () => storeOf(ctx.em).insertAll(ctx.em, entities));
  signalEventsCommitted();
}

/** What a caller is told when a unique rule refuses its write. */
const CONFLICT_MESSAGES: Record<UniqueRule, string> = {
  userName: "userName is already taken in this organization",
  groupDisplayName: "a group with this displayName already exists in this organization",
  roleKey: "a role with this key already exists in this organization",
  roleBinding: "this role is already bound to this subject at this scope",
  membershipUser: "the user is already a member of this group",
  membershipGroup: "the group is already a member of this group",
  roleMapping: "a mapping for this IdP role value already exists at this scope",
};

async function mapUniqueViolation<T>(em: EntityManager, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      const rule = storeOf(em).violatedUniqueRule(error);
      throw new Conflict(rule ? CONFLICT_MESSAGES[rule] : "a unique value is already taken");
    }
    // A row the command refers to (a member, a role, an account) was deleted by a command that
    // committed after this one checked it: the change cannot apply, and nothing of it was written.
    // The same answer as when it was gone before the check (SCIM 400 invalidValue, GraphQL
    // BAD_USER_INPUT) — not a uniqueness conflict, which an IdP reads as "it exists: link it".
    if (error instanceof ForeignKeyConstraintViolationException) throw new Invalid("something this change refers to (a member, a role, an account) was deleted meanwhile");
    throw error;
  }
}
