import websocket from "@fastify/websocket";
import type { FastifyInstance } from "fastify";
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type ExecutionArgs, type GraphQLSchema } from "graphql";
import { getVariableValues } from "graphql/execution/values";
import { makeHandler } from "graphql-ws/use/@fastify/websocket";
import { authenticateApiKey } from "../domain/authenticate";
import { admitRequest } from "../domain/rate-limits";
import { bearerCredential } from "../domain/secrets";
import type { GraphContext } from "../graph/context";
import { formatGraphError } from "../graph/errors";
import { assertOperationInput, documentLimits } from "../graph/guards";
import { createLoaders } from "../graph/loaders";
import type { MikroORM } from "@mikro-orm/core";
import type { Clock } from "../domain/clock";
import type { TailOptions } from "../domain/events/event-tail";
import type { RateLimits } from "../domain/rate-limits";
import type { WebhookSettings } from "../domain/webhooks/settings";
import type { DocumentLimits } from "../graph/guards";

/** Where GraphQL subscriptions are served, over the graphql-ws protocol. */
export const SUBSCRIPTIONS_PATH = "/graphql/ws";

/** What the WebSocket transport needs of the GraphQL options (server/graphql.ts passes its own). */
export interface SubscriptionServerOptions extends DocumentLimits {
  orm: MikroORM;
  maxTokens: number;
  /** The ceiling on an operation's estimated cost, as over HTTP. */
  maxComplexity: number;
  limits: RateLimits;
  webhooks: WebhookSettings;
  clock?: Clock;
  eventsPollMs: number;
}

/**
 * Serves GraphQL over WebSocket (graphql-ws) at SUBSCRIPTIONS_PATH, for `subscription {
 * directoryEvents }` (queries and mutations work there too). Authorised like HTTP requests: the
 * client sends its API key as `connectionParams.authorization` ("Bearer <key>"), checked when it
 * connects (a bad one closes the socket, 4403) and by the subscription again on every look; each
 * operation passes the same document limits, input checks (guards.ts assertOperationInput) and the
 * credential's rate limit.
 */
export async function registerSubscriptions(app: FastifyInstance, schema: GraphQLSchema, options: SubscriptionServerOptions): Promise<void> {
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  const rules = [...specifiedRules, ...documentLimits(options).validationRules];
  const eventTail: TailOptions = {
    pollMs: options.eventsPollMs,
    onLookFailed: (error) => app.log.error({ err: error }, "live event feed: a look for new events failed (the next look repeats it)"),
  };
  const format = (error: GraphQLError) => formatGraphError(error.toJSON(), error, (e) => app.log.error({ err: e }, "GraphQL subscription failed"));
  await app.register(async (scope) => {
    scope.get(SUBSCRIPTIONS_PATH, { websocket: true }, makeHandler<Record<string, unknown>, { credential?: string }>({
      schema,
      onConnect: async (ctx) => {
        const credential = bearerCredential(typeof ctx.connectionParams?.authorization === "string" ? ctx.connectionParams.authorization : undefined);
        const actor = credential ? await authenticateApiKey(options.orm.em.fork(), credential, options.clock) : null;
        if (!actor || !credential) return false;
        ctx.extra.credential = credential;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const em = options.orm.em.fork();
        // Every operation checks the key again, as every HTTP request does: a key revoked (or
        // expired) while its socket is open runs nothing more, and its socket is closed.
        const actor = await authenticateApiKey(em, ctx.extra.credential as string, options.clock);
        if (!actor) {
          // After the operation's error has gone out (it is sent once this returns).
          setImmediate(() => ctx.extra.socket.close(4403, "Forbidden"));
          return [new GraphQLError("the API key is unknown, revoked or expired", { extensions: { code: "UNAUTHENTICATED" } })];
        }
        // Parse and validation errors carry the codes Apollo gives them over HTTP; graphql-js sets
        // none, and an error without a code is answered as an internal one.
        let document;
        try {
          document = parse(payload.query, { maxTokens: options.maxTokens });
        } catch (error) {
          return [withCode(error as GraphQLError, "GRAPHQL_PARSE_FAILED")];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map((error) => withCode(error, "GRAPHQL_VALIDATION_FAILED"));
        // Variables that do not fit their declared types: the client's error (over HTTP, Apollo says so).
        const operation = getOperationAST(document, payload.operationName);
        const coerced = operation ? getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}) : null;
        if (coerced?.errors) return coerced.errors.map((error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: "BAD_USER_INPUT" } }));
        try {
          if (operation) assertOperationInput(schema, document, operation, payload.variables ?? undefined, options.maxComplexity);
        } catch (error) {
          return [error as GraphQLError];
        }
        try {
          await admitRequest(em, actor, options.limits);
        } catch (error) {
          return [new GraphQLError((error as Error).message, { extensions: { code: "RATE_LIMITED" } })];
        }
        const contextValue: GraphContext = {
          em, actor, loaders: createLoaders(em, actor), limits: options.limits, webhooks: options.webhooks, eventTail,
        };
        const args: ExecutionArgs = { schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
        return args;
      },
      // Errors carry the codes they carry over HTTP (NOT_FOUND, BAD_USER_INPUT…), and no internals:
      // those of a result, and those ending a subscription before it streams (a foreign organization).
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        return { ...result, errors: result.errors.map(format) };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(format),
    }));
  });
}

/** The error with `code` unless it already has one (the document limits set theirs). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions: { ...error.extensions, code } });
}
