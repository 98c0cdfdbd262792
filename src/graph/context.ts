import type { EntityManager } from "@mikro-orm/core";
import type { Actor } from "../domain/actor";
import type { TailOptions } from "../domain/events/event-tail";
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
  /** How the process's reader of the event feed runs; set on subscriptions' contexts (graphql-ws) only. */
  eventTail?: TailOptions;
}
