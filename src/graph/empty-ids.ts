import { getNamedType, GraphQLError, isInputObjectType, isListType, isNonNullType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLInputType, type GraphQLSchema } from "graphql";
import { getArgumentValues } from "graphql/execution/values";

/**
 * No argument or input field of type ID may be an empty (or blank) string: BAD_USER_INPUT, HTTP
 * 400, before anything runs. An id names something; GraphQL's ID scalar accepts "", and code that
 * reads an optional id as "given or not" took "" for "not given" — which turned
 * `createApiKey(input: {organizationId: ""})` by an organization's key into a global key, and
 * `bindRole(input: {accountId: ""})` into an organization-wide binding. Checked over every field
 * of the document (fragments too), with the request's variables.
 */
export function assertNoEmptyIds(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined): void {
  const typeInfo = new TypeInfo(schema);
  let found: GraphQLError | null = null;
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const field = typeInfo.getFieldDef();
      if (found || !field || field.args.length === 0 || !node.arguments?.length) return;
      let values: Record<string, unknown>;
      try {
        values = getArgumentValues(field, node, variables ?? undefined);
      } catch {
        // A value of the wrong type: execution reports it in its own words.
        return;
      }
      for (const arg of field.args) {
        const path = emptyIdPath(arg.type, values[arg.name], arg.name);
        if (path === null) continue;
        found = new GraphQLError(`${node.name.value}: ${path} is an empty id; leave an optional id out instead of sending ""`, {
          nodes: [node], extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
        });
        return;
      }
    },
  }));
  if (found) throw found;
}

/** Where in `value` (of `type`) an ID is blank, as a path from the argument (`input.organizationId`), or null. */
function emptyIdPath(type: GraphQLInputType, value: unknown, path: string): string | null {
  if (value === undefined || value === null) return null;
  if (isNonNullType(type)) return emptyIdPath(type.ofType, value, path);
  if (isListType(type)) {
    if (!Array.isArray(value)) return emptyIdPath(type.ofType, value, path);
    for (let i = 0; i < value.length; i += 1) {
      const inner = emptyIdPath(type.ofType, value[i], `${path}[${i}]`);
      if (inner !== null) return inner;
    }
    return null;
  }
  if (isInputObjectType(type)) {
    if (typeof value !== "object") return null;
    for (const [name, field] of Object.entries(type.getFields())) {
      const inner = emptyIdPath(field.type, (value as Record<string, unknown>)[name], `${path}.${name}`);
      if (inner !== null) return inner;
    }
    return null;
  }
  return getNamedType(type).name === "ID" && typeof value === "string" && value.trim() === "" ? path : null;
}
