import Fastify, { type FastifyInstance } from "fastify";
import type { MikroORM } from "@mikro-orm/core";
import type { Config } from "../config";
import type { Clock } from "../domain/clock";
import { rateLimits } from "../domain/rate-limits";
import { migrateToLatest, openOrm } from "../store/orm";
import { GRAPHQL_PATH, registerGraphql } from "./graphql";
import { registerAccessReviewExport } from "./access-review-export";
import { registerHealth } from "./health";
import { PLAYGROUND_PATH, playgroundPlugin } from "./playground";
import { SCIM_PATH, scimPlugin, withoutScimTrailingSlash } from "../scim/plugin";
import { loggerOptions, type LogDestination } from "./logger";
import { registerMetrics, type AppMetrics } from "./metrics";
import { answerClientError, answerNotFound, answerRoutingError } from "./transport-errors";
import { startDispatcher, webhookSettings } from "./webhooks";
import { SUBSCRIPTIONS_PATH } from "./subscriptions";

export interface BuiltApp {
  app: FastifyInstance;
  orm: MikroORM;
  /** Migrations applied while starting. */
  migrations: string[];
  /** Its Prometheus metrics, served at /metrics, when config.metricsEnabled; else null. */
  metrics: AppMetrics | null;
  close(): Promise<void>;
}

export interface BuildOptions {
  logger?: boolean;
  /** Where log lines go instead of stdout (tests read them to prove no secret is logged). */
  logStream?: LogDestination;
  /** Receives every SQL statement (tests and the bench count them). */
  onQuery?: (sql: string) => void;
  /** What authentication reads as now (token expiry, the credential cache); the system clock by default. */
  clock?: Clock;
  /** Users the access review export reads per page (tests make pages small enough to cross). */
  accessReviewPageSize?: number;
}

/**
 * Builds the whole server from a Config: opens the database, applies pending migrations and
 * mounts GraphQL, the playground, the SCIM facade and the access review export. It does not listen; `cli/serve` and the tests decide that.
 */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<BuiltApp> {
  const orm = await openOrm(config.database, { onQuery: options.onQuery });
  try {
    const migrations = await migrateToLatest(orm);
    const app = Fastify({
      // Secrets never reach the log: logger.ts redacts headers and raw packets at every level.
      logger: options.logger === false ? false : loggerOptions(config.logLevel, options.logStream),
      bodyLimit: 1024 * 1024,
      // Requests refused before routing answer in their API's error format, and log no raw bytes.
      clientErrorHandler: answerClientError,
      frameworkErrors: answerRoutingError,
      rewriteUrl: (request) => withoutScimTrailingSlash(request.url ?? "/"),
    });
    // First: a plugin takes its parent's hooks when it loads, so the request hook must exist before them.
    const metrics = config.metricsEnabled ? registerMetrics(app, { orm, token: config.metricsToken }) : null;
    registerHealth(app, orm);
    const limits = { ...rateLimits(config), onRejected: metrics?.rateLimitRejected };
    const webhooks = webhookSettings(config);
    await registerGraphql(app, {
      orm,
      maxDepth: config.graphqlMaxDepth,
      maxComplexity: config.graphqlMaxComplexity,
      maxAliases: config.graphqlMaxAliases,
      maxDirectives: config.graphqlMaxDirectives,
      maxTokens: config.graphqlMaxTokens,
      limits,
      webhooks,
      eventsPollMs: config.events.pollMs,
      clock: options.clock,
    });
    await app.register(playgroundPlugin, { prefix: PLAYGROUND_PATH, graphqlPath: GRAPHQL_PATH, subscriptionsPath: SUBSCRIPTIONS_PATH });
    await app.register(scimPlugin, { prefix: SCIM_PATH, orm, limits, clock: options.clock, publicUrl: config.publicUrl });
    registerAccessReviewExport(app, { orm, limits, clock: options.clock, pageSize: options.accessReviewPageSize });
    app.setNotFoundHandler(answerNotFound(app, GRAPHQL_PATH));
    const dispatcher = startDispatcher(orm, config, webhooks, { error: (message) => app.log.error(message) }, metrics?.webhookAttempted);
    return {
      app,
      orm,
      migrations,
      metrics,
      async close() {
        await app.close();
        // Attempts in flight are recorded before the database closes; new ones are not claimed.
        await dispatcher?.stop();
        await orm.close(true);
      },
    };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}
