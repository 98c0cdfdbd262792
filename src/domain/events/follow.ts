import type { EntityManager } from "@mikro-orm/core";
import { AuditEvent } from "../../store/entities";
import type { Actor } from "../actor";
import { readVisibleOrganization } from "../lookup";
import { eventTailOf, MAX_WAITING_EVENTS, type Follower, type TailOptions } from "./event-tail";
import { assertEventTypes } from "./event-types";
import { sequenceEvents } from "./sequence";

export interface FollowOptions {
  tail: TailOptions;
  signal: AbortSignal;
}

/**
 * An organization's events from now on, in feed order, as they are sequenced: the live form of the
 * feed (`subscription { directoryEvents }`), fed by the process's one reader of the feed
 * (event-tail.ts). Checked like the `events` query when it starts, and the credential again on
 * every look, so a key revoked meanwhile stops receiving events. Ends when the consumer returns
 * (unsubscribes), or when the credential no longer holds. A consumer slower than its organization's
 * writes is read for at its own pace (MAX_WAITING_EVENTS).
 */
export async function followEvents(
  em: EntityManager, actor: Actor, organizationId: string, types: string[] | null, tail: TailOptions,
): Promise<AsyncIterableIterator<AuditEvent>> {
  // Checked before the stream exists, so a refusal is the subscription's answer (NOT_FOUND, …).
  await readVisibleOrganization(em, actor, organizationId);
  const wanted = types?.length ? types : null;
  if (wanted) assertEventTypes(wanted);
  // An async generator's return() waits for the step under way, and a follow waiting for events
  // would never finish one: the abort wakes it, so unsubscribing ends it at once.
  const controller = new AbortController();
  const events = follow(em, actor, organizationId, wanted, { tail, signal: controller.signal });
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
  const waiting: AuditEvent[] = [];
  let revoked = false;
  let wake: (() => void) | null = null;
  const tail = eventTailOf(em, options.tail);
  const follower: Follower = {
    organizationId,
    wanted: wanted ? new Set(wanted) : null,
    actor,
    after: await lastPosition(em, organizationId),
    room: () => MAX_WAITING_EVENTS - waiting.length,
    receive: (events) => {
      waiting.push(...events);
      wake?.();
    },
    revoked: () => {
      revoked = true;
      wake?.();
    },
  };
  const aborted = () => wake?.();
  options.signal.addEventListener("abort", aborted);
  tail.add(follower);
  try {
    for (;;) {
      if (options.signal.aborted) return;
      if (waiting.length > 0) {
        const full = waiting.length >= MAX_WAITING_EVENTS;
        // Everything waiting was read while the credential held: it is yielded before a revocation ends the follow.
        yield* waiting.splice(0);
        // Given no more while it was full, the follower is read for again now that it has room.
        if (full) tail.wake();
        continue;
      }
      if (revoked) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    tail.remove(follower);
    options.signal.removeEventListener("abort", aborted);
  }
}

async function lastPosition(em: EntityManager, organizationId: string): Promise<number> {
  const [latest] = await em.fork().find(AuditEvent, { organizationId, position: { $ne: null } }, { orderBy: { position: "desc" }, limit: 1, fields: ["position"] });
  return latest?.position ?? 0;
}
