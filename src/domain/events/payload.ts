import type { EventRecord } from "../ports/events";

/** An event as the feed's nodes, webhooks and subscriptions all give it: as stored, its time as ISO 8601. */
export type EventPayload = Omit<EventRecord, "createdAt"> & { occurredAt: string };

/** `event`: an AuditEvent entity, or the same as plain data. */
export function eventPayload(event: EventRecord): EventPayload {
  return {
    id: event.id,
    position: event.position,
    type: event.type,
    occurredAt: event.createdAt.toISOString(),
    organizationId: event.organizationId,
    actorType: event.actorType,
    actorId: event.actorId,
    targetType: event.targetType,
    targetId: event.targetId,
    data: event.data,
  };
}
