import type { EntityManager } from "@mikro-orm/core";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import type { Actor } from "./actor";
import { assertCanWrite } from "./tenancy";
import { conflictFromUniqueViolation } from "../store/unique-violations";
import { insertInOneTransaction } from "../store/write-transaction";

/** What every command receives: a request-scoped EntityManager and who is acting. */
export interface CommandContext {
  em: EntityManager;
  actor: Actor;
}

/**
 * Runs one command in one transaction. The callback persists its changes and its audit event on
 * the transactional `em`; they are flushed and committed together, or rolled back together.
 * A unique-index violation becomes a domain Conflict: the index, not a SELECT before the INSERT,
 * decides uniqueness (one round trip fewer, and no race between check and insert).
 */
export async function runCommand<T>(ctx: CommandContext, work: (em: EntityManager) => Promise<T>): Promise<T> {
  assertCanWrite(ctx.actor);
  return mapUniqueViolation(() => ctx.em.transactional(work));
}

/**
 * A command whose whole write is new rows (the entity and its audit event), built in memory
 * beforehand: inserted in one transaction with prepared statements and no unit of work, which
 * keeps the writer's transaction as short as SQLite allows. Same guarantees as runCommand.
 */
export async function insertCommand(ctx: CommandContext, entities: object[]): Promise<void> {
  assertCanWrite(ctx.actor);
  await mapUniqueViolation(() => insertInOneTransaction(ctx.em, entities));
}

async function mapUniqueViolation<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw conflictFromUniqueViolation(error);
    throw error;
  }
}
