import type { Filter } from "scim2-parse-filter";
import type { FilterPredicate } from "../../domain/ports/filter";
import { ScimError } from "../errors";
import type { AttributeSchema, ResourceSchema } from "../schema";
import { elementSubAttribute, locateAttribute, locateSubAttribute, type CollectionTarget, type ComplexTarget, type ScalarTarget } from "./attributes";
import { comparison, presence, type CompValue, type FilterOp, type ScalarRef } from "./compare";
import { parseWithinLimits } from "./limits";

export { compileSortBy } from "./sort";

/**
 * SCIM filter (RFC 7644 §3.4.2.2) → the domain's filter predicate (domain/ports/filter.ts), which
 * each store renders to its SQL. The text is parsed by scim2-parse-filter within bounds
 * (limits.ts), attribute names resolved through the one attribute map (attributes.ts), operands
 * checked against the attributes' types (compare.ts); every refusal is an invalidFilter.
 *
 * Semantics worth knowing:
 * - `a ne v` is `not (a eq v)`: a resource without `a` matches, and for a multi-valued attribute
 *   (`emails.value ne v`) it matches when no value equals v. Inside a value path the element is
 *   the subject: `emails[type ne "work"]` = some e-mail whose type is not "work" (or has none).
 * - `a eq null` is `not (a pr)`, `a ne null` is `a pr` (RFC 7643 §2.5: null = unassigned);
 *   any other operator with null is invalidFilter.
 * - `not` follows two-valued logic: an absent value never makes both `f` and `not f` false.
 * - Each multi-valued comparison and each value path is one `some` over the elements, so
 *   `emails[type eq "work" and value co "@x"]` holds both conditions on the same element.
 * - A comparison the server can decide alone (`meta.resourceType eq "User"`) is a constant.
 */
export function compileFilter(filterText: string, resource: ResourceSchema): FilterPredicate {
  return new FilterCompiler(resource).node(parseFilterText(filterText), RESOURCE_SCOPE);
}

function parseFilterText(text: string): Filter {
  if (!text.trim()) throw ScimError.invalidFilter("the filter is empty");
  const { filter, facts } = parseWithinLimits(text, (reason) => `the filter is not valid SCIM filter syntax (RFC 7644 §3.4.2.2): ${reason}`);
  // `emails[type eq "work"].value` is a PATCH path (RFC 7644 §3.5.2), not a filter (Figure 1). The
  // parser quietly reads it as two conditions on possibly different e-mails, so refuse it.
  if (facts.subAttributeAfterValuePath) {
    throw ScimError.invalidFilter('a filter cannot follow "[…]" with ".subAttribute"; write emails[type eq "work" and value co "x"] instead');
  }
  return filter;
}

/** What attribute names refer to: the resource, one element of a multi-valued attribute, or a singular complex attribute. */
type Scope =
  | { kind: "resource" }
  | { kind: "element"; parent: AttributeSchema; collection: CollectionTarget }
  | { kind: "complex"; parent: AttributeSchema; complex: ComplexTarget };

const RESOURCE_SCOPE: Scope = { kind: "resource" };

/** Where a comparison lands: a scalar, or sub-attributes of elements (compared through `some`). */
type Subject =
  | { kind: "scalar"; ref: ScalarRef }
  | { kind: "complex"; path: string; schema: AttributeSchema; complex: ComplexTarget }
  | { kind: "elements"; path: string; schema: AttributeSchema; collection: CollectionTarget; sub: { schema: AttributeSchema; target: ScalarTarget } | null };

const ANY_ELEMENT: FilterPredicate = { kind: "constant", value: true };

class FilterCompiler {
  constructor(private readonly resource: ResourceSchema) {}

  node(filter: Filter, scope: Scope): FilterPredicate {
    switch (filter.op) {
      case "and":
        return allOf(filter.filters.map((f) => this.node(f, scope)));
      case "or":
        return anyOf(filter.filters.map((f) => this.node(f, scope)));
      case "not":
        return negation(this.node(filter.filter, scope));
      case "[]":
        return this.valuePath(filter.attrPath, filter.valFilter, scope);
      case "pr":
        return this.leaf(filter.attrPath, "pr", null, scope);
      default:
        return this.leaf(filter.attrPath, filter.op, filter.compValue, scope);
    }
  }

  /** `emails[type eq "work"]`, `members[value eq "…"]`, `name[givenName sw "A"]` (RFC 7644 §3.4.2.2 valuePath). */
  private valuePath(path: string, valFilter: Filter, scope: Scope): FilterPredicate {
    if (scope.kind !== "resource") throw ScimError.invalidFilter(`value filters cannot be nested: "${path}[…]" inside another "[…]"`);
    const subject = this.subject(path, scope);
    if (subject.kind === "complex") {
      return this.node(valFilter, { kind: "complex", parent: subject.schema, complex: subject.complex });
    }
    if (subject.kind !== "elements" || subject.sub) {
      throw ScimError.invalidFilter(`"${path}[…]": a value filter applies to a complex attribute such as emails or members`);
    }
    const where = this.node(valFilter, { kind: "element", parent: subject.schema, collection: subject.collection });
    return { kind: "some", collection: subject.collection.collection, where };
  }

  private leaf(path: string, rawOp: FilterOp | "ne" | "pr", operand: CompValue | null, scope: Scope): FilterPredicate {
    // ne → not eq; eq null → not pr; ne null → pr (RFC 7643 §2.5: null means unassigned).
    const withNull = operand === null && rawOp !== "pr";
    if (withNull && rawOp !== "eq" && rawOp !== "ne") throw ScimError.invalidFilter(`"${path} ${rawOp} null": only eq and ne compare with null`);
    const op: FilterOp | "pr" = withNull ? "pr" : rawOp === "ne" ? "eq" : rawOp;
    const negated = (rawOp === "ne") !== withNull;
    const test = (ref: ScalarRef) => (op === "pr" ? presence(ref) : comparison(ref, op, operand as CompValue));
    const predicate = this.applyTest(this.subject(path, scope), op, test);
    return negated ? negation(predicate) : predicate;
  }

  /** A leaf's test on its subject: directly, on a complex attribute's parts (pr only), or through `some`. */
  private applyTest(subject: Subject, op: FilterOp | "pr", test: (ref: ScalarRef) => FilterPredicate): FilterPredicate {
    switch (subject.kind) {
      case "scalar":
        return test(subject.ref);
      case "complex":
        if (op !== "pr") throw ScimError.invalidFilter(`${subject.path} is complex: compare one of its sub-attributes, e.g. ${subject.path}.${subject.schema.subAttributes?.[0]?.name}`);
        return complexPresent(subject);
      case "elements": {
        // A multi-valued attribute named alone compares its "value" (RFC 7644 §3.4.2.2: `emails co "x"`).
        const sub = subject.sub ?? (op === "pr" ? null : defaultValue(subject));
        const where = sub ? test({ ...sub, path: `${subject.path}.${sub.schema.name}` }) : ANY_ELEMENT;
        return { kind: "some", collection: subject.collection.collection, where };
      }
    }
  }

  private subject(path: string, scope: Scope): Subject {
    if (scope.kind === "element") {
      const sub = elementSubAttribute(scope.collection, scope.parent, plainName(path, scope.parent));
      return { kind: "scalar", ref: { path: `${scope.parent.name}.${sub.schema.name}`, ...sub } };
    }
    if (scope.kind === "complex") {
      const sub = locateSubAttribute(scope.complex, scope.parent, plainName(path, scope.parent));
      return { kind: "scalar", ref: { path: `${scope.parent.name}.${sub.schema.name}`, schema: sub.schema, target: sub.target } };
    }
    const located = locateAttribute(this.resource, path);
    switch (located.kind) {
      case "scalar":
        return { kind: "scalar", ref: { path, schema: located.schema, target: located.target } };
      case "complex":
        return { kind: "complex", path, schema: located.schema, complex: located.target };
      case "collection":
        return { kind: "elements", path, schema: located.schema, collection: located.target, sub: located.sub };
    }
  }
}

function defaultValue(subject: Extract<Subject, { kind: "elements" }>): { schema: AttributeSchema; target: ScalarTarget } {
  if (!subject.schema.subAttributes?.some((a) => a.name === "value")) {
    throw ScimError.invalidFilter(`${subject.path} has no "value": compare one of its sub-attributes, e.g. ${subject.path}.${subject.schema.subAttributes?.[0]?.name}`);
  }
  return elementSubAttribute(subject.collection, subject.schema, "value");
}

/** RFC 7644 §3.4.2.2 pr on a complex attribute: "contains a non-empty node" = any searchable sub-attribute present. */
function complexPresent(subject: Extract<Subject, { kind: "complex" }>): FilterPredicate {
  return anyOf(
    (subject.schema.subAttributes ?? []).flatMap((schema) => {
      const target = subject.complex.subAttributes[schema.name];
      const scalar = target?.kind === "value" || target?.kind === "constant";
      return scalar ? [presence({ path: `${subject.path}.${schema.name}`, schema, target })] : [];
    }),
  );
}

/** Inside `emails[…]` names are sub-attributes (`type`), not paths (`emails.type`, `urn:…`). */
function plainName(path: string, parent: AttributeSchema): string {
  if (/[.:]/.test(path)) throw ScimError.invalidFilter(`inside ${parent.name}[…] name a sub-attribute of ${parent.name} (e.g. "type"), not "${path}"`);
  return path;
}

/** `and`, with constants folded away: `meta.resourceType eq "Group" and …` on users is false. */
function allOf(predicates: FilterPredicate[]): FilterPredicate {
  if (predicates.some((p) => p.kind === "constant" && !p.value)) return { kind: "constant", value: false };
  const rest = predicates.filter((p) => p.kind !== "constant");
  return rest.length === 0 ? { kind: "constant", value: true } : rest.length === 1 ? rest[0]! : { kind: "and", predicates: rest };
}

/** `or`, with constants folded away. */
function anyOf(predicates: FilterPredicate[]): FilterPredicate {
  if (predicates.some((p) => p.kind === "constant" && p.value)) return { kind: "constant", value: true };
  const rest = predicates.filter((p) => p.kind !== "constant");
  return rest.length === 0 ? { kind: "constant", value: false } : rest.length === 1 ? rest[0]! : { kind: "or", predicates: rest };
}

function negation(predicate: FilterPredicate): FilterPredicate {
  if (predicate.kind === "constant") return { kind: "constant", value: !predicate.value };
  if (predicate.kind === "not") return predicate.predicate;
  return { kind: "not", predicate };
}
