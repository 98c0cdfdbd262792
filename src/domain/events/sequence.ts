import type { EntityManager } from "@mikro-orm/core";
import { storeOf } from "../ports/store";

/** Events per sequencing transaction: bounds its length when a backlog has built up. */
export const SEQUENCE_BATCH = 5_000;

/**
 * How far back a pass looks for events without a position: those created in the last
 * RECENT_EVENTS_MS ("recent"), or all of them ("all"). An event commits moments after it is
 * created, so a recent pass finds every waiting event but one whose transaction ran long, or whose
 * process's clock lags; every process makes a pass over all of them at its first pass and at least
 * every FULL_PASS_MS after (nextReach), whoever sequences in it: the dispatcher, the feed, a
 * subscription. Why not always all: on PostgreSQL the range of waiting events in the index also
 * holds an entry for every event sequenced since the table's last VACUUM, older than the waiting
 * ones, and a pass over all of them steps over those.
 */
export type SequencingReach = "recent" | "all";
export const RECENT_EVENTS_MS = 10_000;
export const FULL_PASS_MS = 60_000;

/** When this process last finished a pass over all events (0: none yet). */
let lastFullPassAt = 0;

/** The reach of this process's next pass: all events when the last full pass is `fullPassMs` old. */
export function nextReach(fullPassMs = FULL_PASS_MS, now = Date.now()): SequencingReach {
  return now - lastFullPassAt >= fullPassMs ? "all" : "recent";
}

/** Records a pass of `reach` that began at `startedAt` and ended without error. */
export function passCompleted(reach: SequencingReach, startedAt: number): void {
  if (reach === "all") lastFullPassAt = Math.max(lastFullPassAt, startedAt);
}

/** The creation time a pass of `reach` looks back to (EventStore.sequenceEvents' `createdSince`). */
export function sequencingFloor(reach: SequencingReach, now: Date): Date | null {
  return reach === "all" ? null : new Date(now.getTime() - RECENT_EVENTS_MS);
}

/**
 * Gives committed events their feed positions and makes their webhook deliveries (EventStore.
 * sequenceEvents), batch after batch until none waits. Costs one indexed read when nothing waits.
 * Returns how many events got positions.
 */
export async function sequenceEvents(em: EntityManager, reach: SequencingReach = nextReach(), now: () => Date = () => new Date()): Promise<number> {
  const startedAt = Date.now();
  const events = storeOf(em).events;
  let total = 0;
  while (await events.hasUnsequencedEvents(em, sequencingFloor(reach, now()))) {
    const sequenced = await em.fork().transactional((tx) => storeOf(tx).events.sequenceEvents(tx, SEQUENCE_BATCH, now(), sequencingFloor(reach, now())));
    total += sequenced;
    if (sequenced < SEQUENCE_BATCH) break;
  }
  passCompleted(reach, startedAt);
  return total;
}

/** Whether committed events within `reach` wait for their positions (one indexed read). */
export function eventsAwaitSequencing(em: EntityManager, reach: SequencingReach = "recent", now = new Date()): Promise<boolean> {
  return storeOf(em).events.hasUnsequencedEvents(em, sequencingFloor(reach, now));
}
