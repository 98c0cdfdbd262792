import type { Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import type { AttributeSchema, ResourceSchema } from "../schema";
import { assertAlias, elementSubAttribute, locateAttribute, locateSubAttribute, type CollectionTarget, type ComplexTarget, type SqlFragment } from "./columns";
import { compareScalar, presentScalar, type CompareOp, type CompValue, type Predicate, type ScalarRef } from "./compare";
import type { SqlDialect } from "./dialect";
import { parseWithinLimits } from "./limits";

export { compileSortBy } from "./sort";
export type { SqlFragment } from "./columns";

/**
 * SCIM filter (RFC 7644 §3.4.2.2) → SQL boolean expression over the resource table aliased
 * `alias`, e.g. `e0` in `SELECT … FROM "user" e0 WHERE e0.organization_id = ? AND (<sql>)`.
 * The text is parsed by scim2-parse-filter; every operand is bound as a `?` parameter, and the SQL
 * text holds only names from the attribute map (columns.ts), so no client input reaches it. Text
 * and tree are bounded first (limits.ts), so whatever parses also runs.
 *
 * Semantics worth knowing:
 * - `a ne v` is `not (a eq v)`: a resource without `a` matches, and for a multi-valued attribute
 *   (`emails.value ne v`) it matches when no value equals v. Inside a value path the element is
 *   the subject: `emails[type ne "work"]` = some e-mail whose type is not "work" (or has none).
 * - `a eq null` is `not (a pr)`, `a ne null` is `a pr` (RFC 7643 §2.5: null = unassigned);
 *   any other operator with null is invalidFilter.
 * - `not` follows two-valued logic: an absent value never makes both `f` and `not f` false.
 *   Negations are pushed down to the comparisons, which coalesce SQL NULL to false before `NOT`,
 *   so positive comparisons keep their plain, index-friendly form.
 * - Each multi-valued comparison and each value path is one `EXISTS` over the elements, so
 *   `emails[type eq "work" and value co "@x"]` holds both conditions on the same element.
 */
export function compileFilter(filterText: string, resource: ResourceSchema, alias: string, dialect: SqlDialect): SqlFragment {
  assertAlias(alias);
  const compiled = new FilterCompiler(resource, alias, dialect).node(parseFilterText(filterText), RESOURCE_SCOPE, false);
  return { sql: compiled.sql, params: compiled.params };
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
  | { kind: "element"; parent: AttributeSchema; collection: CollectionTarget; element: string }
  | { kind: "complex"; parent: AttributeSchema; complex: ComplexTarget };

const RESOURCE_SCOPE: Scope = { kind: "resource" };

/** Where a comparison lands: a scalar in the current row, or sub-attributes of elements needing an EXISTS. */
type Subject =
  | { kind: "scalar"; ref: ScalarRef }
  | { kind: "complex"; path: string; schema: AttributeSchema; complex: ComplexTarget }
  | { kind: "elements"; path: string; schema: AttributeSchema; collection: CollectionTarget; sub: Omit<ScalarRef, "alias" | "path"> | null };

class FilterCompiler {
  private aliases = 0;

  constructor(
    private readonly resource: ResourceSchema,
    private readonly alias: string,
    private readonly dialect: SqlDialect,
  ) {}

  /** `negated`: the node sits under an odd number of `not`s, pushed down by De Morgan. */
  node(filter: Filter, scope: Scope, negated: boolean): Predicate {
    switch (filter.op) {
      case "and":
      case "or": {
        const joiner = (filter.op === "and") !== negated ? " AND " : " OR ";
        const parts = filter.filters.map((f) => this.node(f, scope, negated));
        return { sql: `(${parts.map((p) => p.sql).join(joiner)})`, params: parts.flatMap((p) => p.params), nullable: false };
      }
      case "not":
        return this.node(filter.filter, scope, !negated);
      case "[]":
        return this.valuePath(filter.attrPath, filter.valFilter, scope, negated);
      case "pr":
        return this.leaf(filter.attrPath, "pr", null, scope, negated);
      default:
        return this.leaf(filter.attrPath, filter.op, filter.compValue, scope, negated);
    }
  }

  /** `emails[type eq "work"]`, `members[value eq "…"]`, `name[givenName sw "A"]` (RFC 7644 §3.4.2.2 valuePath). */
  private valuePath(path: string, valFilter: Filter, scope: Scope, negated: boolean): Predicate {
    if (scope.kind !== "resource") throw ScimError.invalidFilter(`value filters cannot be nested: "${path}[…]" inside another "[…]"`);
    const subject = this.subject(path, scope);
    if (subject.kind === "complex") {
      return this.node(valFilter, { kind: "complex", parent: subject.schema, complex: subject.complex }, negated);
    }
    if (subject.kind !== "elements" || subject.sub) {
      throw ScimError.invalidFilter(`"${path}[…]": a value filter applies to a complex attribute such as emails or members`);
    }
    const element = this.nextAlias();
    const inner = this.node(valFilter, { kind: "element", parent: subject.schema, collection: subject.collection, element }, false);
    return this.exists(subject.collection, element, inner, negated);
  }

  private leaf(path: string, rawOp: CompareOp | "ne" | "pr", operand: CompValue | null, scope: Scope, negated: boolean): Predicate {
    // ne → not eq; eq null → not pr; ne null → pr (RFC 7643 §2.5: null means unassigned).
    let op: CompareOp | "pr" = rawOp === "ne" ? "eq" : rawOp;
    let flip = rawOp === "ne" ? !negated : negated;
    if (operand === null && op !== "pr") {
      if (op !== "eq") throw ScimError.invalidFilter(`"${path} ${rawOp} null": only eq and ne compare with null`);
      op = "pr";
      flip = !flip;
    }
    const subject = this.subject(path, scope);
    switch (subject.kind) {
      case "scalar":
        return negate(op === "pr" ? presentScalar(subject.ref, this.dialect) : compareScalar(subject.ref, op, operand as CompValue, this.dialect), flip);
      case "complex": {
        if (op !== "pr") throw ScimError.invalidFilter(`${subject.path} is complex: compare one of its sub-attributes, e.g. ${subject.path}.${subject.schema.subAttributes?.[0]?.name}`);
        return negate(this.complexPresent(subject), flip);
      }
      case "elements": {
        const element = this.nextAlias();
        // A multi-valued attribute named alone compares its "value" (RFC 7644 §3.4.2.2: `emails co "x"`).
        const sub = subject.sub ?? (op === "pr" ? null : this.defaultValue(subject));
        const ref = sub && { ...sub, path: `${subject.path}.${sub.schema.name}`, alias: element };
        const inner = !ref ? null : op === "pr" ? presentScalar(ref, this.dialect) : compareScalar(ref, op, operand as CompValue, this.dialect);
        return this.exists(subject.collection, element, inner, flip);
      }
    }
  }

  private subject(path: string, scope: Scope): Subject {
    if (scope.kind === "element") {
      const sub = elementSubAttribute(scope.collection, scope.parent, plainName(path, scope.parent));
      return { kind: "scalar", ref: { path: `${scope.parent.name}.${sub.schema.name}`, ...sub, alias: scope.element } };
    }
    if (scope.kind === "complex") {
      const sub = locateSubAttribute(scope.complex, scope.parent, plainName(path, scope.parent));
      return { kind: "scalar", ref: { path: `${scope.parent.name}.${sub.schema.name}`, schema: sub.schema, target: sub.target, alias: this.alias } };
    }
    const located = locateAttribute(this.resource, path);
    switch (located.kind) {
      case "scalar":
        return { kind: "scalar", ref: { path, schema: located.schema, target: located.target, alias: this.alias } };
      case "complex":
        return { kind: "complex", path, schema: located.schema, complex: located.target };
      case "collection":
        return { kind: "elements", path, schema: located.schema, collection: located.target, sub: located.sub };
    }
  }

  private defaultValue(subject: Extract<Subject, { kind: "elements" }>): Omit<ScalarRef, "alias" | "path"> {
    if (!subject.schema.subAttributes?.some((a) => a.name === "value")) {
      throw ScimError.invalidFilter(`${subject.path} has no "value": compare one of its sub-attributes, e.g. ${subject.path}.${subject.schema.subAttributes?.[0]?.name}`);
    }
    return elementSubAttribute(subject.collection, subject.schema, "value");
  }

  /** RFC 7644 §3.4.2.2 pr on a complex attribute: "contains a non-empty node" = any sub-attribute present. */
  private complexPresent(subject: Extract<Subject, { kind: "complex" }>): Predicate {
    const parts = (subject.schema.subAttributes ?? []).flatMap((schema) => {
      const target = subject.complex.subAttributes[schema.name];
      return target?.kind === "scalar" ? [presentScalar({ path: `${subject.path}.${schema.name}`, schema, target, alias: this.alias }, this.dialect)] : [];
    });
    return { sql: `(${parts.map((p) => p.sql).join(" OR ")})`, params: parts.flatMap((p) => p.params), nullable: false };
  }

  /** `EXISTS` over the elements of one multi-valued attribute, `inner` holding on one element row. */
  private exists(collection: CollectionTarget, element: string, inner: Predicate | null, negated: boolean): Predicate {
    const { from, where } = collection.source(this.alias, element, this.dialect);
    const conditions = [where, inner?.sql].filter((c): c is string => Boolean(c));
    const sql = `EXISTS (SELECT 1 FROM ${from}${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""})`;
    return { sql: negated ? `NOT ${sql}` : sql, params: inner?.params ?? [], nullable: false };
  }

  /** A fresh alias per EXISTS, so nested and sibling subqueries never shadow each other. */
  private nextAlias(): string {
    this.aliases += 1;
    return `${this.alias}_${this.aliases}`;
  }
}

/** Inside `emails[…]` names are sub-attributes (`type`), not paths (`emails.type`, `urn:…`). */
function plainName(path: string, parent: AttributeSchema): string {
  if (/[.:]/.test(path)) throw ScimError.invalidFilter(`inside ${parent.name}[…] name a sub-attribute of ${parent.name} (e.g. "type"), not "${path}"`);
  return path;
}

/** Two-valued negation: an absent value (SQL NULL) counts as "no match", so `not` of it is a match. */
function negate(predicate: Predicate, negated: boolean): Predicate {
  if (!negated) return predicate;
  const sql = predicate.nullable ? `NOT coalesce(${predicate.sql}, false)` : `NOT (${predicate.sql})`;
  return { sql, params: predicate.params, nullable: false };
}
