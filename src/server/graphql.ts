import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import type { FastifyInstance, FastifyRequest } from "fastify";
import depthLimit from "graphql-depth-limit";
import type { MikroORM } from "@mikro-orm/core";
import { authenticateApiKey } from "../domain/authenticate";
import type { Clock } from "../domain/clock";
import { bearerCredential } from "../domain/secrets";
import type { GraphContext } from "../graph/context";
import { formatGraphError, unauthenticated } from "../graph/errors";
import { operationGuards } from "../graph/guards";
import { createLoaders } from "../graph/loaders";
import { buildGraphSchema } from "../graph/schema";

export const GRAPHQL_PATH = "/graphql";

export interface GraphqlOptions {
  orm: MikroORM;
  maxDepth: number;
  maxComplexity: number;
  clock?: Clock;
}

/**
 * Mounts Apollo Server at /graphql. Each request authenticates its bearer API key (401 without a
 * valid one), then gets its own EntityManager fork and loaders. Apollo's landing page loads from
 * a CDN, so it is disabled: the playground (server/playground) is served from node_modules.
 */
export async function registerGraphql(app: FastifyInstance, options: GraphqlOptions): Promise<void> {
  const schema = await buildGraphSchema();
  const apollo = new ApolloServer<GraphContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    validationRules: [depthLimit(options.maxDepth)],
    plugins: [fastifyApolloDrainPlugin(app), ApolloServerPluginLandingPageDisabled(), operationGuards(schema, options.maxComplexity)],
    formatError: (formatted, error) => formatGraphError(formatted, error, (e) => app.log.error({ err: e }, "GraphQL resolver failed")),
  });
  await apollo.start();

  const context = async (request: FastifyRequest): Promise<GraphContext> => {
    const credential = bearerCredential(request.headers.authorization);
    if (!credential) throw unauthenticated("send an API key: Authorization: Bearer <key> (create one with `npm run idgraph -- api-key create`)");
    const em = options.orm.em.fork();
    const actor = await authenticateApiKey(em, credential, options.clock);
    if (!actor) throw unauthenticated("the API key is unknown or revoked");
    return { em, actor, loaders: createLoaders(em, actor) };
  };
  await app.register(fastifyApollo(apollo), { path: GRAPHQL_PATH, context });
}
