import type { EntityManager } from "@mikro-orm/core";
import { storeOf } from "../ports/store";

/** Events per sequencing transaction: bounds its length when a backlog has built up. */
export const SEQUENCE_BATCH = 5_000;

/**
 * Gives committed events their feed positions and makes their webhook deliveries (EventStore.
 * sequenceEvents), batch after batch until none waits. Costs one indexed read when nothing waits.
 * Returns how many events got positions.
 */
export async function sequenceEvents(em: EntityManager, now: () => Date = () => new Date()): Promise<number> {
  const events = storeOf(em).events;
  let total = 0;
  while (await events.hasUnsequencedEvents(em)) {
    const sequenced = await em.fork().transactional((tx) => storeOf(tx).events.sequenceEvents(tx, SEQUENCE_BATCH, now()));
    total += sequenced;
    if (sequenced < SEQUENCE_BATCH) break;
  }
  return total;
}

/** Whether committed events wait for their positions (one indexed read). */
export function eventsAwaitSequencing(em: EntityManager): Promise<boolean> {
  return storeOf(em).events.hasUnsequencedEvents(em);
}
