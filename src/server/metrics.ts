import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { MikroORM } from "@mikro-orm/core";
import type { AttemptObserver } from "../delivery/dispatcher";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RateLimitName } from "../domain/rate-limits";
import { bearerCredential, hashSecret, secretMatches } from "../domain/secrets";
import { poolStats, type PoolStats } from "../store/pool-stats";
import { MAX_COMMANDS_PER_TRANSACTION, observeWriteBatches } from "../store/sql/group-commit";
import { SCIM_PATH } from "../scim/plugin";
import { GRAPHQL_PATH } from "./graphql";
import { PLAYGROUND_PATH } from "./playground";

export const METRICS_PATH = "/metrics";

/** Which API a request was for: a label with a handful of values, whatever URLs clients send. */
export type Surface = "scim" | "graphql" | "playground" | "health" | "metrics" | "other";

const SURFACE_PREFIXES: Array<[string, Surface]> = [
  [SCIM_PATH, "scim"],
  [GRAPHQL_PATH, "graphql"],
  [PLAYGROUND_PATH, "playground"],
  [METRICS_PATH, "metrics"],
  ["/healthz", "health"],
  ["/readyz", "health"],
];

/** Most reads answer in a millisecond or two; writes and big pages in tens. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface AppMetrics {
  /** What /metrics answers with: this app's metrics and the process's. */
  registry: Registry;
  /** Counts one request refused by a rate limit (the rate limits' onRejected, server/app.ts). */
  rateLimitRejected: (limit: RateLimitName) => void;
  /** Counts one webhook attempt of this process's dispatcher (its onAttempt). */
  webhookAttempted: AttemptObserver;
}

export interface MetricsOptions {
  orm: MikroORM;
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  token: string | null;
}

/**
 * Prometheus metrics of one app, served at /metrics: requests by surface, route pattern, method
 * and status, their latency, the database pools, group-commit batch sizes, rate-limit rejections,
 * and the process's own metrics. Call it before registering any plugin: an encapsulated plugin takes its parent's hooks when it loads.
 *
 * Each app has its own registry (tests build several servers in one process). Labels are bounded:
 * `route` is the route's pattern (`/scim/v2/Users/:id`), never the URL, so ids and filters never
 * become series. GraphQL requests are not split by operation name: clients choose those freely,
 * so each new name would be a new series.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions): AppMetrics {
  const own = new Registry();
  const requests = new Counter({
    name: "idgraph_http_requests_total",
    help: "HTTP requests answered, by surface, route pattern, method and status code.",
    labelNames: ["surface", "route", "method", "status"] as const,
    registers: [own],
  });
  const durations = new Histogram({
    name: "idgraph_http_request_duration_seconds",
    help: "Time from receiving a request to having sent its response, by surface, route pattern and method.",
    labelNames: ["surface", "route", "method"] as const,
    buckets: DURATION_BUCKETS,
    registers: [own],
  });
  const rejections = new Counter({
    name: "idgraph_rate_limit_rejections_total",
    help: "Requests refused by a rate limit: membership (changes per organization) or credential (requests per API key or SCIM token).",
    labelNames: ["limit"] as const,
    registers: [own],
  });
  // Both series exist from the start, so a rate() over them has data before the first rejection.
  for (const limit of ["membership", "credential"] as const) rejections.inc({ limit }, 0);

  registerPoolGauges(own, options.orm);
  const batches = new Histogram({
    name: "idgraph_write_batch_size",
    help: "Commands written together in one group-committed transaction (creates that only insert).",
    buckets: [1, 2, 4, 8, 16, 32, MAX_COMMANDS_PER_TRANSACTION],
    registers: [own],
  });
  observeWriteBatches(options.orm, (commands) => batches.observe(commands));
  const webhookAttempted = registerWebhookMetrics(own);

  // Synchronous, and no timer of its own: fastify already measured the request (reply.elapsedTime).
  app.addHook("onResponse", (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const pattern = request.is404 ? undefined : request.routeOptions.url;
    const surface = surfaceOf(pattern ?? request.url);
    const route = pattern ?? "unmatched";
    requests.inc({ surface, route, method: request.method, status: reply.statusCode });
    durations.observe({ surface, route, method: request.method }, reply.elapsedTime / 1000);
    done();
  });

  const registry = Registry.merge([own, processRegistry()]);
  registerMetricsRoute(app, registry, options.token);
  return { registry, rateLimitRejected: (limit) => rejections.inc({ limit }), webhookAttempted };
}

/** From a fraction of a second to the retry window's scale: a delivery can come hours after its event. */
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400];

/** The dispatcher's attempts: by outcome, how long receivers took, and how long after their events deliveries arrived. */
function registerWebhookMetrics(registry: Registry): AttemptObserver {
  const attempts = new Counter({
    name: "idgraph_webhook_attempts_total",
    help: "Webhook delivery attempts this process made, by outcome: delivered (a 2xx), failed (any other answer, or none), unsendable (no event or secret to send).",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  for (const outcome of ["delivered", "failed", "unsendable"] as const) attempts.inc({ outcome }, 0);
  const durations = new Histogram({
    name: "idgraph_webhook_attempt_duration_seconds",
    help: "Time from sending a webhook attempt to its receiver's answer (or the failure).",
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const lags = new Histogram({
    name: "idgraph_webhook_delivery_lag_seconds",
    help: "Time from an event to its delivery's successful attempt (retries included).",
    buckets: LAG_BUCKETS,
    registers: [registry],
  });
  return (kind, durationMs, lagMs) => {
    attempts.inc({ outcome: kind });
    if (kind !== "unsendable") durations.observe(durationMs / 1000);
    if (lagMs !== null) lags.observe(Math.max(0, lagMs) / 1000);
  };
}

/** Read when Prometheus scrapes, not counted per query. */
function registerPoolGauges(registry: Registry, orm: MikroORM): void {
  const gauge = (name: string, help: string, value: (stats: PoolStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["pool"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const stats of poolStats(orm)) this.set({ pool: stats.pool }, value(stats));
      },
    });
  gauge("idgraph_db_pool_connections_in_use", "Database connections lent out, by pool (write, or read-N on SQLite).", (s) => s.inUse);
  gauge("idgraph_db_pool_connections_free", "Database connections open and idle, by pool.", (s) => s.free);
  gauge("idgraph_db_pool_pending_acquires", "Callers waiting for a database connection, by pool.", (s) => s.pendingAcquires);
  gauge("idgraph_db_pool_connections_max", "The most connections the pool opens.", (s) => s.max);
}

function registerMetricsRoute(app: FastifyInstance, registry: Registry, token: string | null): void {
  // Compared as hashes in constant time (domain/secrets.ts), so response timing tells nothing of the token.
  const tokenHash = token === null ? null : hashSecret(token);
  app.get(METRICS_PATH, async (request, reply) => {
    if (tokenHash !== null) {
      const presented = bearerCredential(request.headers.authorization);
      if (presented === null || !secretMatches(presented, tokenHash)) {
        return reply
          .code(401)
          .header("www-authenticate", 'Bearer realm="idgraph metrics"')
          .send({ error: "Unauthorized", message: "send the metrics token: Authorization: Bearer <METRICS_TOKEN>", statusCode: 401 });
      }
    }
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

/** The surface of a route pattern or, for a request no route matched, of its URL. */
function surfaceOf(path: string): Surface {
  for (const [prefix, surface] of SURFACE_PREFIXES) {
    if (!path.startsWith(prefix)) continue;
    const next = path.charAt(prefix.length);
    if (next === "" || next === "/" || next === "?") return surface;
  }
  return "other";
}

let processMetrics: Registry | undefined;

/**
 * The process's metrics (CPU, memory, event loop lag, GC, handles: `process_*`, `nodejs_*`), one
 * registry per process that every app's /metrics includes. collectDefaultMetrics may be called once
 * per registry, but each call starts its own event-loop monitor and GC observer that are never
 * stopped: per app, they would pile up in a process that builds many (the tests).
 */
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
