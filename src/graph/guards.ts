import type { ApolloServerPlugin } from "@apollo/server";
import { getComplexity, fieldExtensionsEstimator, simpleEstimator } from "graphql-query-complexity";
import { GraphQLError, type GraphQLSchema } from "graphql";
import type { GraphContext } from "./context";
import { forbidden } from "./errors";

/**
 * Checks once per operation, after parsing and before any resolver runs:
 * - a READER key may query but never mutate (FORBIDDEN, nothing executed);
 * - the estimated cost of the operation stays under the ceiling. Connection fields cost their
 *   page size times their children (see `complexity` on those fields).
 */
export function operationGuards(schema: GraphQLSchema, maxComplexity: number): ApolloServerPlugin<GraphContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, request }) {
          if (operation?.operation === "mutation" && !contextValue.actor.canWrite) {
            throw forbidden("this API key may read but not change the directory (it is a READER key)", 403);
          }
          const complexity = getComplexity({
            schema,
            query: document,
            operationName: request.operationName ?? undefined,
            variables: request.variables ?? {},
            estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
          });
          if (complexity > maxComplexity) {
            throw new GraphQLError(`operation is too complex: cost ${complexity}, the limit is ${maxComplexity}; ask for smaller pages`, {
              extensions: { code: "GRAPHQL_VALIDATION_FAILED", complexity, maxComplexity, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
