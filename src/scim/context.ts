import type { EntityManager } from "@mikro-orm/core";
import type { Actor } from "../domain/actor";
import type { RateLimits } from "../domain/rate-limits";

/** What every SCIM request carries once its token is accepted. */
export interface ScimContext {
  em: EntityManager;
  actor: Actor;
  /** The organization the token belongs to: the token alone selects it. */
  organizationId: string;
  /** Absolute base URL of the SCIM service (for meta.location and $ref). */
  baseUrl: string;
  /** The server's rate limits (commands count membership changes against them). */
  limits: RateLimits;
}

declare module "fastify" {
  interface FastifyRequest {
    scim: ScimContext | null;
  }
}
