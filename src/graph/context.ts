import type { EntityManager } from "@mikro-orm/core";
import type { Actor } from "../domain/actor";
import type { RateLimits } from "../domain/rate-limits";
import type { WebhookSettings } from "../domain/webhooks/settings";
import type { Loaders } from "./loaders";

/** Built for each GraphQL request: its own EntityManager fork, the authenticated actor, fresh loaders, the server's rate limits. */
export interface GraphContext {
  em: EntityManager;
  actor: Actor;
  loaders: Loaders;
  limits: RateLimits;
  webhooks: WebhookSettings;
  /** How often a subscription looks for other processes' events; set on subscriptions' contexts. */
  eventsPollMs?: number;
}
