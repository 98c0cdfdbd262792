import type { EntityManager } from "@mikro-orm/core";
import { storeOf } from "../ports/store";

const PRUNE_BATCH = 10_000;

/**
 * Deletes events (and finished webhook deliveries) older than `before`, a batch per transaction so
 * the writer is never held for long. Returns how many events went.
 */
export async function pruneEvents(em: EntityManager, before: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await em.fork().transactional((tx) => storeOf(tx).events.pruneBefore(tx, before, PRUNE_BATCH));
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}
