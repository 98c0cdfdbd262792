import type { EntityManager } from "@mikro-orm/core";
import { AuditEvent } from "../../store/entities";
import type { Actor } from "../actor";
import { readVisibleOrganization } from "../lookup";
import { storeOf } from "../ports/store";
import { onEventsCommitted } from "./commit-signal";
import { assertEventTypes } from "./event-types";
import { sequenceEvents } from "./sequence";

export interface FollowOptions {
  /** How often to look for other processes' events (this process's commits wake it at once). */
  pollMs: number;
  signal: AbortSignal;
}

/** Events read per look: a burst bigger than this is read in several. */
const BATCH = 500;

/**
 * An organization's events from now on, in feed order, as they are sequenced: the live form of the
 * feed (`subscription { directoryEvents }`). Checked like the `events` query when it starts, and
 * the credential again on every look, so a key revoked meanwhile stops receiving events. Ends
 * when the consumer returns (unsubscribes), or when the credential no longer holds.
 */
export async function followEvents(
  em: EntityManager, actor: Actor, organizationId: string, types: string[] | null, pollMs: number,
): Promise<AsyncIterableIterator<AuditEvent>> {
  // Checked before the stream exists, so a refusal is the subscription's answer (NOT_FOUND, …).
  await readVisibleOrganization(em, actor, organizationId);
  const wanted = types?.length ? types : null;
  if (wanted) assertEventTypes(wanted);
  // An async generator's return() waits for the step under way, and a follow waiting for events
  // would never finish one: the abort wakes it, so unsubscribing ends it at once.
  const controller = new AbortController();
  const events = follow(em, actor, organizationId, wanted, { pollMs, signal: controller.signal });
  const iterator: AsyncIterableIterator<AuditEvent> = {
    next: () => events.next(),
    return: (value?: unknown) => {
      controller.abort();
      return events.return(value as undefined);
    },
    throw: (error?: unknown) => {
      controller.abort();
      return events.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

async function* follow(
  em: EntityManager, actor: Actor, organizationId: string, wanted: string[] | null, options: FollowOptions,
): AsyncGenerator<AuditEvent> {
  await sequenceEvents(em);
  let after = await lastPosition(em, organizationId);

  let wake: (() => void) | null = null;
  const unsubscribe = onEventsCommitted(() => wake?.());
  const aborted = () => wake?.();
  options.signal.addEventListener("abort", aborted);
  try {
    while (!options.signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
      if (options.signal.aborted || !(await stillAllowed(em.fork(), actor))) return;
      const read = em.fork();
      await sequenceEvents(read);
      for (;;) {
        const where = { organizationId, position: { $gt: after }, ...(wanted ? { type: { $in: wanted } } : {}) };
        const events = await read.find(AuditEvent, where, { orderBy: { position: "asc" }, limit: BATCH });
        for (const event of events) {
          after = event.position ?? after;
          yield event;
        }
        if (events.length < BATCH) break;
      }
    }
  } finally {
    unsubscribe();
    options.signal.removeEventListener("abort", aborted);
  }
}

async function lastPosition(em: EntityManager, organizationId: string): Promise<number> {
  const [latest] = await em.fork().find(AuditEvent, { organizationId, position: { $ne: null } }, { orderBy: { position: "desc" }, limit: 1, fields: ["position"] });
  return latest?.position ?? 0;
}

/** Whether the API key behind `actor` is still there and not revoked. */
async function stillAllowed(em: EntityManager, actor: Actor): Promise<boolean> {
  if (actor.kind !== "api_key" || !actor.id) return true;
  const key = await storeOf(em).findApiKeyRecord(em, actor.id);
  return key !== null && !key.revokedAt;
}
