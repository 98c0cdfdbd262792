import type { EventRecord } from "../ports/events";

/** An event as the feed's nodes, webhooks and subscriptions all give it. */
export interface EventPayload {
  id: string;
  /** Its place in the organization's feed (the feed's cursors encode it). */
  position: number | null;
  type: string;
  occurredAt: string;
  organizationId: string | null;
  /** api_key, scim_token, cli or system, and the credential's id. */
  actorType: string;
  actorId: string | null;
  targetType: string;
  targetId: string | null;
  /** What changed; never a secret. */
  data: Record<string, unknown> | null;
}

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
