import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, Kind, visit, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule } from "graphql";
import { firstUncleanText } from "../domain/json-limits";
import { operationComplexity } from "./complexity";
import type { GraphContext } from "./context";
import { forbidden, validationFailed } from "./errors";
import { assertNoEmptyIds } from "./empty-ids";

type ArmorConfig = NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>;
type RejectCallback = NonNullable<NonNullable<ArmorConfig["maxAliases"]>["onReject"]>[number];

export interface DocumentLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
}

/**
 * Validation rules refusing documents too deep or with too many aliases or directives
 * (GRAPHQL_VALIDATION_FAILED, HTTP 400): graphql-armor's, behind our nesting bound. Each armor
 * rule costs a fragment once and reuses that figure at every further spread, and a fragment met
 * again while it is being measured (a cycle, which graphql-js's NoFragmentCyclesRule refuses)
 * ends the walk: time linear in the document, however its fragments fan out. They recurse once
 * or twice per level, which the nesting bound keeps shallow.
 * Left out of armor: its cost limit (operationGuards below knows page sizes) and its token
 * limit (graphql-js counts tokens while parsing, `parseOptions.maxLexicalTokens`, instead of
 * armor lexing the document a second time).
 */
export function documentLimits(limits: DocumentLimits): { validationRules: ValidationRule[]; plugins: ApolloServerPlugin[] } {
  const { validationRules, plugins } = new ApolloArmor({
    // Fields only: fragments and inline fragments add no level, as graphql-depth-limit counted.
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...refusal(`maximum operation depth of ${limits.maxDepth}`) },
    maxAliases: { n: limits.maxAliases, ...refusal(`maximum of ${limits.maxAliases} aliases`) },
    maxDirectives: { n: limits.maxDirectives, ...refusal(`maximum of ${limits.maxDirectives} directives`) },
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    // Validation errors name no field the schema has ("Did you mean …?"); GraphiQL introspects instead.
    blockFieldSuggestion: { enabled: true },
  }).protect();
  return { validationRules: [nestingBoundRule(MAX_NESTING), ...validationRules], plugins };
}

/**
 * Armor's own refusal speaks of a "Syntax Error" with code BAD_USER_INPUT; ours says which limit
 * and, as armor measured it, by how much ("… found 17."), and Apollo answers it as a validation
 * error. `propagateOnRejection: false` reports the error instead of throwing out of validate().
 */
function refusal(limit: string): { propagateOnRejection: false; onReject: RejectCallback[] } {
  return {
    propagateOnRejection: false,
    onReject: [(context, error) => {
      const found = /found (\d+)/.exec(error.message)?.[1];
      context?.reportError(validationFailed(`the operation exceeds ${limit}${found ? ` (it has ${found}, fragments expanded)` : ""}`));
    }],
  };
}

/**
 * How deep selection sets may nest in a document, each fragment spread followed and counted as a
 * level. Not a policy (the depth limit is) but the bound that keeps validation off the stack's
 * edge: graphql-armor's rules and graphql-js's walk fragment spreads recursively, a few calls per
 * level, and a chain of 2,400 fragments each spreading the next (19,000 tokens, under the token
 * limit) overflowed armor's depth rule, a 500; graphql-js's NoFragmentCyclesRule overflows a few
 * thousand links further. 100 levels is far more than the depth limit lets a real operation use,
 * and far less than the stack holds.
 */
export const MAX_NESTING = 100;

/**
 * A validation rule refusing a document that nests deeper than `limit` (see nestsDeeperThan), and
 * then stopping validation before any rule walks it. All rules, graphql-js's own and armor's, run
 * in one pass; on entering the document, the first node of that pass, this one returns `null`:
 * for a visitor that is an edit removing the node, `visitInParallel` hands the first edit back
 * at once, and `visit` does not descend into a removed node. (Reporting alone would not do:
 * every other rule would still walk the document.)
 */
function nestingBoundRule(limit: number): ValidationRule {
  return (context) => ({
    Document(node) {
      if (!nestsDeeperThan(node, limit)) return undefined;
      context.reportError(validationFailed(`the document nests selections and fragment spreads more than ${limit} levels deep`));
      return null;
    },
  });
}

interface Frame {
  set: SelectionSetNode;
  next: number;
  /** Levels below this selection set found so far. */
  below: number;
  /** Set when the selection set is a fragment's: its height is remembered. */
  fragment?: string;
}

/**
 * Whether any path through the operations' and fragments' selection sets, fragment spreads
 * followed, is more than `limit` selection sets long. Walked with an explicit stack (the document
 * may nest thousands deep) and each fragment once (its height is reused at later spreads), so
 * time is linear in the document. A spread of a fragment being walked (a cycle) or of none is
 * skipped: graphql-js refuses both, recursing at most as deep as this walk has just allowed.
 */
export function nestsDeeperThan(document: DocumentNode, limit: number): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const heights = new Map<string, number>();
  const entered = new Set<string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    const fragment = definition.kind === Kind.FRAGMENT_DEFINITION ? definition.name.value : undefined;
    if (fragment !== undefined && entered.has(fragment)) continue;
    if (fragment !== undefined) entered.add(fragment);
    const stack: Frame[] = [{ set: definition.selectionSet, next: 0, below: 0, fragment }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const selection = top.set.selections[top.next++];
      if (!selection) {
        stack.pop();
        const height = top.below + 1;
        if (top.fragment !== undefined) heights.set(top.fragment, height);
        if (stack.length > 0) stack[stack.length - 1].below = Math.max(stack[stack.length - 1].below, height);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const height = heights.get(name);
        if (height !== undefined) {
          if (stack.length + height > limit) return true;
          top.below = Math.max(top.below, height);
          continue;
        }
        const spread = fragments.get(name);
        if (!spread || entered.has(name)) continue;
        entered.add(name);
        stack.push({ set: spread.selectionSet, next: 0, below: 0, fragment: name });
      } else if (selection.selectionSet) {
        stack.push({ set: selection.selectionSet, next: 0, below: 0 });
      }
      if (stack.length > limit) return true;
    }
  }
  return false;
}

/**
 * Checks once per operation, after validation and before any resolver runs:
 * - a READER key may query but never mutate (FORBIDDEN, nothing executed);
 * - the estimated cost of the operation stays under the ceiling. Connection fields cost their
 *   page size times their children (see `complexity` on those fields). The cost depends on the
 *   variables (`first: $n`), so it cannot be a validation rule: Apollo validates a document once
 *   and caches it for any variables.
 */
export function operationGuards(schema: GraphQLSchema, maxComplexity: number): ApolloServerPlugin<GraphContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document, request }) {
          // No operation by that name: Apollo answers OPERATION_RESOLUTION_FAILURE itself.
          if (!operation) return;
          if (operation.operation === "subscription") {
            throw new GraphQLError("subscriptions are served over WebSocket (the graphql-ws protocol) at /graphql/ws, not over HTTP", {
              extensions: { code: "BAD_REQUEST", http: { status: 400 } },
            });
          }
          if (operation.operation === "mutation" && !contextValue.actor.canWrite) {
            throw forbidden("this API key may read but not change the directory (it is a READER key)", 403);
          }
          assertOperationInput(schema, document, operation, request.variables, maxComplexity);
        },
      };
    },
  };
}

/**
 * What an operation's document and variables must pass before anything runs, over HTTP (above)
 * and over WebSocket (server/subscriptions.ts) alike: no unclean text, no empty id
 * (empty-ids.ts), a cost under the ceiling.
 */
export function assertOperationInput(
  schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, maxComplexity: number,
): void {
  assertCleanInputText(document, variables);
  assertNoEmptyIds(schema, document, variables);
  const complexity = operationComplexity(schema, document, operation, variables ?? {});
  // `!(≤)` also refuses NaN.
  if (complexity !== undefined && !(complexity <= maxComplexity)) {
    throw validationFailed(`operation is too complex: cost ${complexity}, the limit is ${maxComplexity}; ask for smaller pages`,
      { complexity, maxComplexity });
  }
}

/**
 * No string a client sends — variable or literal in the document — holds NUL or a lone surrogate
 * (BAD_USER_INPUT, HTTP 400, nothing runs): ids, filters and names reach SQL, where SQLite stops
 * reading a statement's text at a NUL, and no store keeps such text as sent (domain/validate.ts).
 */
/**
 * The first string literal of the document that holds NUL or a lone surrogate, or null. Apollo
 * hands every request of the same query the same cached DocumentNode, so each document is walked
 * once, not once per request (the variables, which change, are checked on every request).
 */
function uncleanLiteralOf(document: DocumentNode): string | null {
  let found = uncleanLiterals.get(document);
  if (found === undefined) {
    const literals: string[] = [];
    visit(document, { StringValue: (node) => void literals.push(node.value) });
    uncleanLiterals.set(document, (found = firstUncleanText(literals)));
  }
  return found;
}
const uncleanLiterals = new WeakMap<DocumentNode, string | null>();

function assertCleanInputText(document: DocumentNode, variables: Record<string, unknown> | undefined): void {
  const unclean = uncleanLiteralOf(document) ?? firstUncleanText(variables ?? {});
  if (unclean === null) return;
  const what = unclean.includes("\u0000") ? "the NUL character" : "a lone UTF-16 surrogate";
  throw new GraphQLError(`a string in the request holds ${what}, which no field accepts`, { extensions: { code: "BAD_USER_INPUT", http: { status: 400 } } });
}
