/**
 * GraphQL ceiling: the real stack (fastify + Apollo Server + type-graphql, the same document
 * limits, complexity guard and error formatting as src/server/graphql.ts) over resolvers that
 * answer constants. What a scenario loses against this is authentication, the database and the
 * access logic. Run as a child: `node dist/bench/ceilings/graphql-constant-server.js`.
 */
import "reflect-metadata";
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import Fastify from "fastify";
import { Arg, buildSchema, ID, Query, Resolver } from "type-graphql";
import { loadConfig } from "../../src/config";
import { batchComplexity } from "../../src/graph/complexity";
import { formatGraphError } from "../../src/graph/errors";
import { documentLimits, operationGuards } from "../../src/graph/guards";
import { AccessCheckInput } from "../../src/graph/types/access.type";

/** Same names, arguments and types as AccessResolver's `can` and `canBatch`, so the same documents validate. */
@Resolver()
class ConstantAccessResolver {
  @Query(() => Boolean)
  can(
    @Arg("userId", () => ID) _userId: string,
    @Arg("accountId", () => ID) _accountId: string,
    @Arg("permission") _permission: string,
  ): boolean {
    return true;
  }

  @Query(() => [Boolean], { complexity: batchComplexity("checks") })
  canBatch(@Arg("checks", () => [AccessCheckInput]) checks: AccessCheckInput[]): boolean[] {
    return checks.map(() => true);
  }
}

async function main(): Promise<void> {
  // The real server's limits, read the same way, so the guards do the same work per operation.
  const config = loadConfig();
  const schema = await buildSchema({ resolvers: [ConstantAccessResolver], validate: false });
  const app = Fastify({ logger: false });
  const limits = documentLimits({ maxDepth: config.graphqlMaxDepth, maxAliases: config.graphqlMaxAliases, maxDirectives: config.graphqlMaxDirectives });
  const apollo = new ApolloServer<BaseContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxLexicalTokens: config.graphqlMaxTokens },
    validationRules: limits.validationRules,
    plugins: [
      fastifyApolloDrainPlugin(app),
      ApolloServerPluginLandingPageDisabled(),
      ...limits.plugins,
      // Typed for the real context, but it reads the actor only for mutations, and this schema
      // has none: for queries it is the complexity estimate alone. Should that change, the
      // TypeError is a 500, and measureLoad fails the run on any non-2xx answer.
      operationGuards(schema, config.graphqlMaxComplexity) as unknown as ApolloServerPlugin<BaseContext>,
    ],
    formatError: (formatted, error) => formatGraphError(formatted, error, (e) => console.error(e)),
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), { path: "/graphql" });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  process.once("SIGTERM", () => void app.close().then(() => process.exit(0)));
  console.log(`LISTENING ${address}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
