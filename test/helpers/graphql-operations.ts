import {
  getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType,
  type GraphQLArgument, type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLOutputType, type GraphQLSchema,
} from "graphql";

/**
 * Reads the executable schema for the isolation matrix: which fields take an id somewhere in
 * their arguments, and how to write an operation calling one of them with chosen ids.
 */

/** An argument, or a field of an input object under an argument, that carries an id: `id`, `input.userId`, `checks[].accountId`. */
export interface IdSlot {
  path: string;
  required: boolean;
}

export interface IdTakingField {
  /** `Query.user`, `Mutation.bindRole`, `User.effectiveAccess`. */
  key: string;
  owner: string;
  field: GraphQLField<unknown, unknown>;
  slots: IdSlot[];
}

/** An id is anything typed ID, and anything named `id` or `…Id` whatever its type (`externalId: String`). */
export function isIdLike(name: string, type: GraphQLNamedType): boolean {
  return type.name === "ID" || name === "id" || /Id$/.test(name);
}

/** Every field of every object type (Query and Mutation included) with an id among its arguments. */
export function idTakingFields(schema: GraphQLSchema): IdTakingField[] {
  const found: IdTakingField[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const slots = field.args.flatMap((arg) => slotsOf(arg.type, arg.name, arg.name, isNonNullType(arg.type), new Set()));
      if (slots.length > 0) found.push({ key: `${type.name}.${field.name}`, owner: type.name, field, slots });
    }
  }
  return found;
}

function slotsOf(type: GraphQLInputType, name: string, path: string, required: boolean, seen: Set<string>): IdSlot[] {
  const inner = isNonNullType(type) ? type.ofType : type;
  if (isListType(inner)) return slotsOf(inner.ofType, name, `${path}[]`, required, seen);
  if (isInputObjectType(inner)) {
    if (seen.has(inner.name)) return [];
    const next = new Set(seen).add(inner.name);
    return Object.values(inner.getFields()).flatMap((f) => slotsOf(f.type, f.name, `${path}.${f.name}`, required && isNonNullType(f.type), next));
  }
  return isIdLike(name, getNamedType(inner)) ? [{ path, required }] : [];
}

/** For each slot, the id (or externalId text) to send; undefined leaves an optional slot out. */
export type SlotValues = Record<string, string | undefined>;

export interface GeneratedOperation {
  document: string;
  variables: Record<string, unknown>;
  /** Every id or text value placed in a slot: an error may echo these back. */
  sent: string[];
}

/** How a field of another type is reached from Query: `user(id: $reach) { effectiveAccess(…) }`. */
export interface Reach {
  field: string;
  argument: string;
  value: string;
}

let counter = 0;

/**
 * Writes one operation calling `target` with the given slot values. Arguments and input fields
 * that are not slots get a valid filler when required (unique text, `iso.read` for permissions,
 * the first enum value) and are left out otherwise. The selection asks for every scalar of the
 * result and of the objects one level down, so a leak has somewhere to show.
 */
export function operationFor(target: IdTakingField, values: SlotValues, reach?: Reach): GeneratedOperation {
  const sent = Object.values(values).filter((v): v is string => v !== undefined);
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const args: string[] = [];
  for (const arg of target.field.args) {
    const value = valueFor(arg.type, arg.name, arg.name, values);
    if (value === undefined) continue;
    variables[arg.name] = value;
    definitions.push(`$${arg.name}: ${String(arg.type)}`);
    args.push(`${arg.name}: $${arg.name}`);
  }
  const call = `${target.field.name}${args.length ? `(${args.join(", ")})` : ""} ${selectionOf(target.field.type, 1)}`;
  const root = target.owner === "Mutation" ? "mutation" : "query";
  if (target.owner !== "Query" && target.owner !== "Mutation") {
    if (!reach) throw new Error(`${target.key} needs a way to be reached from Query`);
    variables.reach = reach.value;
    sent.push(reach.value);
    definitions.push(`$reach: ID!`);
    return { document: `${root} Isolation(${definitions.join(", ")}) { ${reach.field}(${reach.argument}: $reach) { ${call} } }`, variables, sent };
  }
  return { document: `${root} Isolation${definitions.length ? `(${definitions.join(", ")})` : ""} { ${call} }`, variables, sent };
}

/**
 * `fallback`: inside an optional input built because one of its ids was given (one field of a
 * one-of input), the id its other required id slots get — the same id, so the call still asks
 * about that one.
 */
function valueFor(type: GraphQLInputType, name: string, path: string, values: SlotValues, fallback?: string): unknown {
  const required = isNonNullType(type);
  const inner = required ? type.ofType : type;
  if (isListType(inner)) {
    const item = valueFor(inner.ofType, name, `${path}[]`, values, fallback);
    return item === undefined ? (required ? [] : undefined) : [item];
  }
  if (isInputObjectType(inner)) {
    // An optional input none of whose ids was given is left out: the other fields of a one-of input.
    const given = Object.entries(values).find(([slot, value]) => slot.startsWith(`${path}.`) && value !== undefined)?.[1];
    if (!required && given === undefined && slotsOf(inner, name, path, false, new Set()).length > 0) return undefined;
    const object: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) {
      const value = valueFor(field.type, field.name, `${path}.${field.name}`, values, required ? fallback : given);
      if (value !== undefined) object[field.name] = value;
    }
    return Object.keys(object).length > 0 || required ? object : undefined;
  }
  const named = getNamedType(inner);
  if (isIdLike(name, named)) {
    const value = values[path] ?? (required ? fallback : undefined);
    if (value === undefined && required) throw new Error(`slot ${path} is required but was given no value`);
    return value;
  }
  return required ? fillerFor(name, named) : undefined;
}

function fillerFor(name: string, type: GraphQLNamedType): unknown {
  if (isEnumType(type)) return type.getValues()[0].value;
  switch (type.name) {
    case "String": return textFor(name);
    case "Int": case "Float": return 1;
    case "Boolean": return true;
    case "DateTimeISO": return "2099-01-01T00:00:00.000Z";
    case "JSONObject": return {};
    default: throw new Error(`no filler for a required ${type.name} (${name})`);
  }
}

/** Text for a string field; permissions, event types and webhook URLs are refused unless well-formed. */
function textFor(name: string): string {
  if (/^permissions?$/.test(name)) return "iso.read";
  if (name === "types" || name === "eventTypes") return "user.create";
  if (name === "url") return `https://hooks.example.com/iso-${++counter}`;
  return `iso-${++counter}`;
}

/** Every scalar field (needing no arguments) and, `depth` levels down, the objects' scalars too. */
export function selectionOf(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return "";
  if (!isObjectType(named)) return "{ __typename }";
  const parts = ["__typename"];
  for (const field of Object.values(named.getFields())) {
    if (field.args.some((a: GraphQLArgument) => isNonNullType(a.type) && a.defaultValue === undefined)) continue;
    const child = getNamedType(field.type);
    if (isLeafType(child)) parts.push(field.name);
    else if (depth > 0) parts.push(`${field.name} ${selectionOf(field.type, depth - 1)}`);
  }
  return `{ ${parts.join(" ")} }`;
}
