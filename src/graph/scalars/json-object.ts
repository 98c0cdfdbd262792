import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { jsonDepth, MAX_JSON_DEPTH } from "../../domain/json-limits";

const base = GraphQLJSONObject.toConfig();

/**
 * graphql-scalars' `JSONObject`, refusing values nested deeper than the domain stores
 * (MAX_JSON_DEPTH) before anything walks them recursively: its literal parser recurses once per
 * level, and a literal or variable nested thousands deep would overflow the stack (a 500) before
 * the domain command's own check could run. Depth is measured iteratively, so the refusal is a
 * BAD_USER_INPUT (a variable: HTTP 400) or a validation error (a literal: HTTP 400).
 * Same name, so the schema does not change; it replaces `GraphQLJSONObject` everywhere
 * (a schema may hold one type per name), output included, where nothing changes.
 */
export const BoundedJSONObject = new GraphQLScalarType<object, object>({
  ...base,
  parseValue(value) {
    refuseIfTooDeep(jsonDepth(value, MAX_JSON_DEPTH));
    return refuseProtoKeys(base.parseValue(value));
  },
  parseLiteral(node, variables) {
    refuseIfTooDeep(literalDepth(node, MAX_JSON_DEPTH));
    const value = base.parseLiteral(node, variables);
    // Variables inside the literal (`{ a: $x }`) arrive already parsed, but may add depth.
    refuseIfTooDeep(jsonDepth(value, MAX_JSON_DEPTH));
    return refuseProtoKeys(value);
  },
});

/**
 * A "__proto__" key is refused, as SCIM bodies and fastify's JSON parser refuse it: a spread or
 * `Object.assign` of the value would set an object's prototype with it, and it would be stored
 * and handed back as sent. (A literal `{__proto__: …}` parses to an own key of that name.)
 */
function refuseProtoKeys<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    if (Object.prototype.hasOwnProperty.call(node, "__proto__")) {
      throw new GraphQLError('JSONObject holds a "__proto__" key', { extensions: { code: "BAD_USER_INPUT" } });
    }
    stack.push(...Object.values(node));
  }
  return value;
}

function refuseIfTooDeep(depth: number): void {
  if (depth > MAX_JSON_DEPTH) {
    throw new GraphQLError(`JSONObject nests deeper than ${MAX_JSON_DEPTH} levels`, { extensions: { code: "BAD_USER_INPUT" } });
  }
}

/** Like jsonDepth, over a GraphQL literal: objects and lists are a level each; iterative, stops past `limit`. */
export function literalDepth(node: ValueNode, limit: number): number {
  let deepest = 0;
  const stack: Array<{ node: ValueNode; depth: number }> = [{ node, depth: 0 }];
  while (stack.length > 0) {
    const { node: current, depth } = stack.pop() as { node: ValueNode; depth: number };
    const children = current.kind === Kind.OBJECT ? current.fields.map((field) => field.value)
      : current.kind === Kind.LIST ? current.values : undefined;
    if (!children) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of children) stack.push({ node: child, depth: depth + 1 });
  }
  return deepest;
}
