import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { MikroORM } from "@mikro-orm/core";
import { authenticateApiKey } from "../domain/authenticate";
import type { Clock } from "../domain/clock";
import { RateLimited } from "../domain/errors";
import { admitRequest, type RateLimits } from "../domain/rate-limits";
import type { WebhookSettings } from "../domain/webhooks/settings";
import { bearerCredential } from "../domain/secrets";
import type { GraphContext } from "../graph/context";
import { formatGraphError, rateLimited, rateLimitedStatus, unauthenticated } from "../graph/errors";
import { documentLimits, operationGuards } from "../graph/guards";
import { createLoaders } from "../graph/loaders";
import { buildGraphSchema } from "../graph/schema";
import { registerSubscriptions } from "./subscriptions";

export const GRAPHQL_PATH = "/graphql";

export interface GraphqlOptions {
  orm: MikroORM;
  maxDepth: number;
  maxComplexity: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  limits: RateLimits;
  webhooks: WebhookSettings;
  clock?: Clock;
  /** How often a subscription looks for other processes' events. */
  eventsPollMs: number;
}

/**
 * Mounts Apollo Server at /graphql. Each request authenticates its bearer API key (401 without a
 * valid one), then gets its own EntityManager fork and loaders. Apollo's landing page loads from
 * a CDN, so it is disabled: the playground (server/playground) is served from node_modules.
 *
 * No document can hold the event loop or overflow the stack: the token limit bounds parsing, a
 * nesting bound stops validation before it recurses too deep, every other limit (depth,
 * aliases, directives, complexity) is measured in time linear in the document, and all of them
 * are checked before any resolver runs (see graph/guards).
 */
export async function registerGraphql(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  const schema = await buildGraphSchema();
  const limits = documentLimits(options);
  const apollo = new ApolloServer<GraphContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The process drains itself on SIGTERM (server/shutdown.ts). Apollo's own handler (installed
    // whenever NODE_ENV is not "test") would close fastify with a 10 s fuse that cuts open
    // connections, then re-raise the signal: it must not race ours.
    stopOnTerminationSignals: false,
    // A longer document answers 400 GRAPHQL_PARSE_FAILED before it is fully read into an AST.
    parseOptions: { maxLexicalTokens: options.maxTokens },
    validationRules: limits.validationRules,
    plugins: [
      fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled(),
      ...limits.plugins, operationGuards(schema, options.maxComplexity), rateLimitedStatus(),
    ],
    formatError: (formatted, error) => formatGraphError(formatted, error, (e) => app.log.error({ err: e }, "GraphQL resolver failed")),
    // Apollo's own warnings and errors go to the server's log, not to the console.
    logger: app.log,
  });
  await apollo.start();

  const context = async (request: FastifyRequest): Promise<GraphContext> => {
    const credential = bearerCredential(request.headers.authorization);
    if (!credential) throw unauthenticated("send an API key: Authorization: Bearer <key> (create one with `npm run idgraph -- api-key create`)");
    const em = options.orm.em.fork();
    const actor = await authenticateApiKey(em, credential, options.clock);
    if (!actor) throw unauthenticated("the API key is unknown or revoked");
    await admitRequest(em, actor, options.limits).catch((error: unknown) => {
      throw error instanceof RateLimited ? rateLimited(error) : error;
    });
    return { em, actor, loaders: createLoaders(em, actor), limits: options.limits, webhooks: options.webhooks };
  };
  await registerSubscriptions(app, schema, options);
  // Its own encapsulated scope, so the error handler below answers for /graphql only.
  await app.register(async (scope) => {
    scope.setErrorHandler(answerUnreadableRequest);
    await scope.register(fastifyApollo(apollo), { path: GRAPHQL_PATH, context });
  });
}

/**
 * What fastify refuses before Apollo sees the request (a body that is not JSON, too large, of an
 * unsupported content type) is answered in GraphQL's shape, `{ errors: [{ message, extensions:
 * { code } }] }`, with fastify's 4xx status, instead of fastify's `{ statusCode, error, message }`:
 * GraphQL clients read `errors`. Anything else is a bug: logged, and answered without internals.
 */
function answerUnreadableRequest(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ errors: [{ message: error.message, extensions: { code: "BAD_REQUEST" } }] });
  }
  request.log.error({ err: error }, "GraphQL request failed");
  return reply.code(500).send({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
}
