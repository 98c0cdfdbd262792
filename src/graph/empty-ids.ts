import {
  getNamedType, GraphQLError, isInputObjectType, isListType, isNonNullType, Kind, TypeInfo, valueFromAST, visit, visitWithTypeInfo,
  type ArgumentNode, type DocumentNode, type FieldNode, type GraphQLInputType, type GraphQLSchema,
} from "graphql";

/**
 * No argument or input field of type ID may be an empty (or blank) string: BAD_USER_INPUT, HTTP
 * 400, before anything runs. An id names something; GraphQL's ID scalar accepts "", and code that
 * reads an optional id as "given or not" took "" for "not given" — which turned
 * `createApiKey(input: {organizationId: ""})` by an organization's key into a global key, and
 * `bindRole(input: {accountId: ""})` into an organization-wide binding. Checked over every field
 * of the document (fragments too), with the request's variables.
 */
export function assertNoEmptyIds(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined): void {
  for (const site of idArgumentsOf(schema, document)) {
    // A variable is checked as sent (execution coerces it once, later); a literal is small.
    const value = site.argument.value.kind === Kind.VARIABLE
      ? variables?.[site.argument.value.name.value]
      : valueFromAST(site.argument.value, site.type, variables ?? undefined);
    const path = emptyIdPath(site.type, value, site.argument.name.value);
    if (path === null) continue;
    throw new GraphQLError(`${site.field.name.value}: ${path} is an empty id; leave an optional id out instead of sending ""`, {
      nodes: [site.field], extensions: { code: "BAD_USER_INPUT", http: { status: 400 } },
    });
  }
}

interface IdArgument {
  field: FieldNode;
  argument: ArgumentNode;
  type: GraphQLInputType;
}

/**
 * The arguments of a document whose type holds an ID somewhere: found once per document (Apollo
 * hands every request of the same query the same DocumentNode), so a request only reads its values.
 */
const idArguments = new WeakMap<DocumentNode, IdArgument[]>();

function idArgumentsOf(schema: GraphQLSchema, document: DocumentNode): IdArgument[] {
  let found = idArguments.get(document);
  if (found) return found;
  found = [];
  const sites = found;
  const typeInfo = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(typeInfo, {
    Field(node) {
      const definition = typeInfo.getFieldDef();
      if (!definition || !node.arguments?.length) return;
      for (const argument of node.arguments) {
        const type = definition.args.find((arg) => arg.name === argument.name.value)?.type;
        if (type && holdsId(type)) sites.push({ field: node, argument, type });
      }
    },
  }));
  idArguments.set(document, found);
  return found;
}

function holdsId(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (named.name === "ID") return true;
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => holdsId(field.type, seen));
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
