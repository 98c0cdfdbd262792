import type { EntityManager } from "@mikro-orm/core";
import { AuditEvent } from "../store/entities";
import type { Actor } from "./actor";

/** Canonical event names; changes arriving over SCIM take Stytch's names instead (below). */
export type AuditEventType =
  | "organization.create" | "organization.update"
  | "account.create" | "account.update" | "account.delete"
  | "user.create" | "user.update" | "user.delete" | "user.link_scim"
  | "group.create" | "group.update" | "group.delete" | "group.link_scim"
  | "group.member_add" | "group.member_remove"
  | "role.create" | "role.update" | "role.delete"
  | "role_binding.create" | "role_binding.delete"
  | "role_mapping.set" | "role_mapping.delete"
  | "api_key.create" | "api_key.revoke"
  | "scim_token.create" | "scim_token.revoke"
  | "webhook_endpoint.create" | "webhook_endpoint.update" | "webhook_endpoint.delete"
  | "webhook_endpoint.secret_rotate" | "webhook_endpoint.disabled" | "webhook_delivery.replay"
  | "access.changed";

/** Stytch's SCIM event names, for the same changes when an identity provider makes them. */
const SCIM_EVENT_NAMES: Partial<Record<AuditEventType, string>> = {
  "user.create": "scim.member.create",
  "user.update": "scim.member.update",
  "user.delete": "scim.member.delete",
  "group.create": "scim.idp_group.create",
  "group.update": "scim.idp_group.update",
  "group.delete": "scim.idp_group.delete",
  "group.member_add": "scim.idp_group.member_add",
  "group.member_remove": "scim.idp_group.member_delete",
};

export interface AuditRecord {
  type: AuditEventType;
  organizationId: string | null;
  targetType: string;
  targetId: string | null;
  data?: Record<string, unknown>;
}

/** Queues the event on `em`: it commits with the change or not at all (an outbox). */
export function recordAudit(em: EntityManager, actor: Actor, record: AuditRecord): AuditEvent {
  const event = auditEvent(actor, record);
  em.persist(event);
  return event;
}

/** The event for a change, for a command that writes it itself (see insertCommand). */
export function auditEvent(actor: Actor, record: AuditRecord): AuditEvent {
  const event = new AuditEvent();
  event.type = (actor.kind === "scim_token" && SCIM_EVENT_NAMES[record.type]) || record.type;
  event.organizationId = record.organizationId;
  event.actorType = actor.kind;
  event.actorId = actor.id;
  event.targetType = record.targetType;
  event.targetId = record.targetId;
  event.data = record.data ?? null;
  return event;
}
