/**
 * Who is acting: an API key (GraphQL), a SCIM token, or the operator's CLI. `organizationId` is
 * the only organization the actor may see, or null for global credentials.
 */
export interface Actor {
  kind: "api_key" | "scim_token" | "cli" | "system";
  id: string | null;
  organizationId: string | null;
  canWrite: boolean;
}

export const CLI_ACTOR: Actor = { kind: "cli", id: null, organizationId: null, canWrite: true };

/** The server acting on its own: the webhook dispatcher disabling an endpoint that keeps failing. */
export const SYSTEM_ACTOR: Actor = { kind: "system", id: null, organizationId: null, canWrite: true };

/** Changes made by an identity provider are owned by it; see rules in domain/ownership.ts. */
export function actsForIdp(actor: Actor): boolean {
  return actor.kind === "scim_token";
}
