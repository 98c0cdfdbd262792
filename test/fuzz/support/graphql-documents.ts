import fc from "fast-check";
import {
  getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType, isUnionType,
  type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLObjectType, type GraphQLOutputType, type GraphQLSchema,
} from "graphql";

/**
 * Random GraphQL operations built from the executable schema: root fields with random arguments
 * (inline or as variables, right or wrong types), random selections with aliases, named and inline
 * fragments and directives. Each document is drawn from a list of choices, so that fast-check
 * shrinks a failing document toward the simplest one (every choice 0: one query field, no
 * arguments it can do without, its first scalar).
 */

export interface GraphRequest {
  query: string;
  variables: Record<string, unknown>;
}

class Choices {
  private index = 0;
  constructor(private readonly sequence: number[]) {}
  next(n: number): number {
    return n <= 1 ? 0 : (this.sequence[this.index++] ?? 0) % n;
  }
  chance(percent: number): boolean {
    return this.next(100) >= 100 - percent;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.next(items.length)];
  }
}

const STRINGS = ["x", "", "ada@example.test", "a\u0000b", "\ud800", "'; drop table user; --", "a".repeat(5_000), "payments.*", "deploy.run", "Ünïcødé", "False"];
const INTS = [0, 1, 50, -1, 1000, 1001, 2 ** 31, -(2 ** 31) - 1];
const DATES = ["2099-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "not a date", "", "2099-13-45T99:99:99Z"];
const JSON_OBJECTS: unknown[] = [{}, { department: "x" }, { manager: { value: "m" } }, { a: [1, { b: null }] }, { "\u0000": "\ud800" }];
const DIRECTIVES = ["", "", "", " @include(if: true)", " @skip(if: false)", " @skip(if: true)", " @include(if: $undefinedVar)", " @deprecated", " @nosuch"];

class DocumentBuilder {
  private readonly variables: Record<string, unknown> = {};
  private readonly definitions: string[] = [];
  private readonly fragments: string[] = [];

  constructor(private readonly schema: GraphQLSchema, private readonly ids: string[], private readonly c: Choices) {}

  build(): GraphRequest {
    const mutation = this.c.chance(30);
    const root = (mutation ? this.schema.getMutationType() : this.schema.getQueryType()) as GraphQLObjectType;
    const fields = Object.values(root.getFields());
    const selections = Array.from({ length: 1 + this.c.next(3) }, () => this.fieldSelection(this.c.pick(fields), 0));
    const head = `${mutation ? "mutation" : "query"}${this.c.chance(30) ? " Fuzz" : ""}`;
    const vars = this.definitions.length > 0 ? `(${this.definitions.join(", ")})` : "";
    return { query: [`${head}${vars} { ${selections.join(" ")} }`, ...this.fragments].join("\n"), variables: this.variables };
  }

  private fieldSelection(field: GraphQLField<unknown, unknown>, depth: number): string {
    const alias = this.c.chance(15) ? `a${this.c.next(1000)}: ` : "";
    const args = field.args
      .filter((arg) => isNonNullType(arg.type) || this.c.chance(40))
      .map((arg) => `${arg.name}: ${this.argument(arg.type)}`);
    const argText = args.length > 0 ? `(${args.join(", ")})` : "";
    return `${alias}${field.name}${argText}${this.c.pick(DIRECTIVES)} ${this.selection(field.type, depth + 1)}`;
  }

  private selection(type: GraphQLOutputType, depth: number): string {
    const named = getNamedType(type);
    if (isLeafType(named)) return "";
    if (isUnionType(named)) {
      const parts = named.getTypes().filter(() => this.c.chance(70)).map((member) => `... on ${member.name} ${this.objectSelection(member, depth)}`);
      return `{ __typename ${parts.join(" ")} }`;
    }
    if (!isObjectType(named)) return "{ __typename }";
    const body = this.objectSelection(named, depth);
    if (this.c.chance(15)) {
      const name = `F${this.fragments.length}`;
      this.fragments.push(`fragment ${name} on ${named.name} ${body}`);
      return `{ ...${name} }`;
    }
    return this.c.chance(10) ? `{ ... on ${named.name} ${body} }` : body;
  }

  private objectSelection(type: GraphQLObjectType, depth: number): string {
    const fields = Object.values(type.getFields());
    const leaves = fields.filter((f) => isLeafType(getNamedType(f.type)) && f.args.every((a) => !isNonNullType(a.type)));
    if (depth >= 5) return `{ ${(leaves[0] ?? fields[0]).name} }`;
    const chosen = Array.from({ length: 1 + this.c.next(4) }, () => this.c.pick(this.c.chance(60) ? fields : leaves.length ? leaves : fields));
    const parts = chosen.map((f) => this.fieldSelection(f, depth));
    if (this.c.chance(10)) parts.push("__typename");
    if (this.c.chance(3)) parts.push("nosuchField");
    return `{ ${parts.join(" ")} }`;
  }

  /** An argument value: a literal or a variable, usually of the declared type, sometimes not. */
  private argument(type: GraphQLInputType): string {
    const value = this.c.chance(5) ? this.c.pick<unknown>(["x", 1, true, null, [], { a: 1 }]) : this.value(type);
    if (this.c.chance(30)) {
      const name = `v${this.definitions.length}`;
      this.definitions.push(`$${name}: ${String(type)}`);
      if (!this.c.chance(5)) this.variables[name] = value;
      return `$${name}`;
    }
    return literal(value, getNamedType(type));
  }

  private value(type: GraphQLInputType): unknown {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (!isNonNullType(type) && this.c.chance(5)) return null;
    if (isListType(inner)) return Array.from({ length: this.c.chance(5) ? 200 : this.c.next(4) }, () => this.value(inner.ofType));
    if (isInputObjectType(inner)) {
      const object: Record<string, unknown> = {};
      for (const field of Object.values(inner.getFields())) {
        if (isNonNullType(field.type) || this.c.chance(40)) object[field.name] = this.value(field.type);
      }
      if (this.c.chance(3)) object.nosuch = 1;
      return object;
    }
    return this.scalar(getNamedType(inner));
  }

  private scalar(type: GraphQLNamedType): unknown {
    if (isEnumType(type)) return new EnumValue(this.c.chance(5) ? "NOPE" : this.c.pick(type.getValues()).name);
    switch (type.name) {
      case "ID": return this.c.chance(80) ? this.c.pick(this.ids) : this.c.pick(STRINGS);
      case "String": return this.c.pick(STRINGS);
      case "Int": return this.c.pick(INTS);
      case "Float": return this.c.pick([0, 1.5, -1e308]);
      case "Boolean": return this.c.chance(50);
      case "DateTimeISO": return this.c.pick(DATES);
      case "JSONObject": return this.c.pick(JSON_OBJECTS);
      default: return this.c.pick(STRINGS);
    }
  }
}

class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** A value as a GraphQL literal. */
function literal(value: unknown, type: GraphQLNamedType): string {
  if (value instanceof EnumValue) return value.name;
  if (value === null) return "null";
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, type)).join(", ")}]`;
  if (typeof value === "object") {
    const fields = isInputObjectType(type) ? type.getFields() : {};
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : "bad_key"}: ${literal(v, fields[k] ? getNamedType(fields[k].type) : type)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** Random operations over the schema, aiming at the given ids (and at others). */
export function graphRequest(schema: GraphQLSchema, ids: string[]): fc.Arbitrary<GraphRequest> {
  return fc.array(fc.nat({ max: 10_000 }), { maxLength: 300 }).map((sequence) => new DocumentBuilder(schema, ids, new Choices(sequence)).build());
}

/** A fragment that spreads the next one `fan` times, `levels` deep: a small document naming a huge selection. */
export const fragmentFanOut: fc.Arbitrary<GraphRequest> = fc
  .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 2, max: 5 }), fc.constantFrom("viewer { id kind }", "organizations { nodes { id } }", "__typename"))
  .map(([levels, fan, leaf]) => {
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${Array.from({ length: fan }, () => `...F${i + 1}`).join(" ")} }`);
    return { query: [`query FanOut { ...F0 }`, ...fragments, `fragment F${levels} on Query { ${leaf} }`].join("\n"), variables: {} };
  });

/** The same field under many aliases. */
export const aliasFlood: fc.Arbitrary<GraphRequest> = fc
  .tuple(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom("viewer { id }", "organizations(first: 1000) { nodes { id } }", "__typename", "apiKeys { totalCount }"))
  .map(([n, field]) => ({ query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(" ")} }`, variables: {} }));

/** A generated document with a few characters cut out or spliced in. */
export function damagedRequest(valid: fc.Arbitrary<GraphRequest>): fc.Arbitrary<GraphRequest> {
  const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 6 }), splice: fc.constantFrom("", "{", "}", "(", ")", "...", ":", "$", "\"", "#", "fragment", " on ", "@", "...F0", "\u0000", "query", "[", "!") });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 5 })).map(([request, edits]) => ({
    ...request,
    query: edits.reduce((text, e) => {
      const at = text.length === 0 ? 0 : e.at % text.length;
      return text.slice(0, at) + e.splice + text.slice(at + e.cut);
    }, request.query),
  }));
}
