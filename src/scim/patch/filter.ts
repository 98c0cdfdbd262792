import { filter as compileFilter, type Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import { findByName, type AttributeSchema } from "../schema";
import { isPlainObject } from "./parse";
import { coerceAttributeValue } from "./validate";

/**
 * Value filters inside PATCH paths (`emails[type eq "work"]`), matched against the elements of ONE
 * resource's multi-valued attribute with scim2-parse-filter's in-memory matcher — the only
 * in-memory filtering idgraph does (collections are filtered in SQL). The library compares
 * strings exactly, so both sides are normalised first: names to the schema's canonical name in
 * lower case, and values of sub-attributes that are not `caseExact` to lower case (RFC 7644
 * §3.4.2.2: comparisons follow the attribute's caseExact; RFC 7643 §2.2: caseExact defaults to false).
 */
export interface ValueSelector {
  matches(element: unknown): boolean;
  /**
   * The element the filter describes, for creating it when nothing matches: the `eq` comparisons
   * of a filter made only of `eq` and `and` (`type eq "work"` → `{type: "work"}`); null otherwise.
   */
  seed(): Record<string, unknown> | null;
}

export function valueSelector(schema: AttributeSchema | null, ast: Filter, where: string): ValueSelector {
  const matcher = compileFilter(normaliseFilter(schema, ast));
  return {
    matches: (element) => matcher(elementView(schema, element)),
    seed: () => seedOf(schema, ast, where),
  };
}

function normaliseFilter(schema: AttributeSchema | null, ast: Filter): Filter {
  switch (ast.op) {
    case "and":
    case "or":
      return { op: ast.op, filters: ast.filters.map((f) => normaliseFilter(schema, f)) };
    case "not":
      return { op: "not", filter: normaliseFilter(schema, ast.filter) };
    case "[]":
      return ast; // refused by the parser: value filters do not nest
    case "pr":
      return { op: "pr", attrPath: subOf(schema, ast.attrPath).key };
    default: {
      const sub = subOf(schema, ast.attrPath);
      const compValue = typeof ast.compValue === "string" && !sub.caseExact ? ast.compValue.toLowerCase() : ast.compValue;
      return { op: ast.op, attrPath: sub.key, compValue };
    }
  }
}

function subOf(schema: AttributeSchema | null, attrPath: string): { key: string; caseExact: boolean; schema: AttributeSchema | null } {
  const sub = schema ? findByName(schema.subAttributes ?? [], attrPath) : undefined;
  return { key: (sub?.name ?? attrPath).toLowerCase(), caseExact: sub?.caseExact ?? false, schema: sub ?? null };
}

/** One element as the matcher sees it. A simple multi-valued attribute's element is its `value` (RFC 7644 §3.4.2.2). */
function elementView(schema: AttributeSchema | null, element: unknown): Record<string, unknown> {
  const object = isPlainObject(element) ? element : { value: element };
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined || value === "") continue; // `pr` means present and non-empty
    const sub = subOf(schema, key);
    view[sub.key] = typeof value === "string" && !sub.caseExact ? value.toLowerCase() : value;
  }
  return view;
}

function seedOf(schema: AttributeSchema | null, ast: Filter, where: string): Record<string, unknown> | null {
  if (ast.op === "and") {
    const parts = ast.filters.map((f) => seedOf(schema, f, where));
    if (parts.some((p) => p === null)) return null;
    return Object.assign({}, ...parts) as Record<string, unknown>;
  }
  if (ast.op !== "eq" || ast.compValue === null) return null;
  const sub = schema ? findByName(schema.subAttributes ?? [], ast.attrPath) : undefined;
  if (sub?.mutability === "readOnly") return {};
  return { [sub?.name ?? ast.attrPath]: coerceAttributeValue(sub ?? null, ast.compValue, `${where} filter ${ast.attrPath}`) };
}

/**
 * RFC 7644 §3.5.2.1 / §3.5.2.3 say a value filter that matches nothing fails with noTarget; for
 * add and replace idgraph creates the element the filter describes instead (see multi-valued.ts),
 * and answers noTarget only when the filter does not describe one.
 */
export function noTargetFor(where: string): ScimError {
  return ScimError.noTarget(
    `"${where}" matches no value, and its filter does not describe one to create (only "eq" comparisons joined by "and" do).`,
  );
}
