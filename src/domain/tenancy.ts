import type { Actor } from "./actor";
import { Forbidden, NotFound } from "./errors";

/**
 * Tenant isolation: an org-scoped actor never sees another organization. A foreign id answers
 * exactly like an unknown one (NOT_FOUND), so ids of other tenants cannot be probed.
 */
export function assertOrgVisible(actor: Actor, organizationId: string, kind: string, id: string): void {
  if (actor.organizationId !== null && actor.organizationId !== organizationId) throw NotFound.entity(kind, id);
}

export function assertCanWrite(actor: Actor): void {
  if (!actor.canWrite) throw new Forbidden("this credential may read but not change the directory");
}

/** Organizations themselves are created only by global credentials. */
export function assertGlobal(actor: Actor, what: string): void {
  if (actor.organizationId !== null) throw new Forbidden(`an organization-scoped credential cannot ${what}`);
}
