import type { FilterCollection, FilterPredicate, FilterValue } from "../../../domain/ports/filter";
import { collectionSql, resourceValueSql, type CollectionSql, type FilterResource, type SqlCondition, type SqlFragment, type ValueSql } from "./columns";
import { compareSql, presentSql } from "./compare";
import type { FilterSqlDialect } from "./dialect";
import { assertAlias } from "./names";

/**
 * A filter predicate (domain/ports/filter.ts) → SQL boolean expression over the resource table
 * aliased `alias`, e.g. `e0` in `SELECT … FROM "user" e0 WHERE e0.organization_id = ? AND (<sql>)`.
 * Every operand is bound as a `?` parameter, and the SQL text holds only names from the attribute
 * map (columns.ts), the caller's alias and the schemas' JSON keys (names.ts).
 *
 * - `not` follows two-valued logic: an absent value never makes both `p` and `not p` false.
 *   Negations are pushed down to the comparisons (De Morgan), which coalesce SQL NULL to false
 *   before `NOT`, so positive comparisons keep their plain, index-friendly form.
 * - Each `some` is one `EXISTS` over the elements, so all of its condition holds on one element.
 */
export function renderFilter(predicate: FilterPredicate, resource: FilterResource, alias: string, dialect: FilterSqlDialect, hideProtected = false): SqlFragment {
  const { sql, params } = new FilterRenderer(resource, assertAlias(alias), dialect, hideProtected).render(predicate, null, false);
  return { sql, params };
}

/** Inside `some`: the element rows that items name. */
type Scope = CollectionSql | null;

class FilterRenderer {
  private aliases = 0;

  constructor(
    private readonly resource: FilterResource,
    private readonly alias: string,
    private readonly dialect: FilterSqlDialect,
    /** Users protected from SCIM are no group's members (the filter serves an identity provider). */
    private readonly hideProtected: boolean,
  ) {}

  /** `negated`: the node sits under an odd number of `not`s. */
  render(predicate: FilterPredicate, scope: Scope, negated: boolean): SqlCondition {
    switch (predicate.kind) {
      case "and":
      case "or": {
        const joiner = (predicate.kind === "and") !== negated ? " AND " : " OR ";
        const parts = predicate.predicates.map((p) => this.render(p, scope, negated));
        return { sql: `(${parts.map((p) => p.sql).join(joiner)})`, params: parts.flatMap((p) => p.params), nullable: false };
      }
      case "not":
        return this.render(predicate.predicate, scope, !negated);
      case "constant":
        return { sql: predicate.value !== negated ? "(1 = 1)" : "(1 = 0)", params: [], nullable: false };
      case "present":
        return negate(presentSql(this.value(predicate.value, scope), predicate.text), negated);
      case "compare":
        return negate(compareSql(this.value(predicate.value, scope), predicate.op, predicate.operand, this.dialect), negated);
      case "some":
        if (scope) throw new Error("`some` does not nest");
        return this.exists(predicate.collection, predicate.where, negated);
    }
  }

  private value(value: FilterValue, scope: Scope): ValueSql {
    if (value.kind !== "item") return resourceValueSql(value, this.resource, this.alias, this.dialect);
    if (!scope) throw new Error(`the item ${value.name} is named outside \`some\``);
    return scope.item(value.name);
  }

  /** `EXISTS` over the elements of one collection, `where` holding on one element row. */
  private exists(collection: FilterCollection, where: FilterPredicate, negated: boolean): SqlCondition {
    const elements = collectionSql(collection, this.resource, this.alias, this.nextAlias(), this.dialect, this.hideProtected);
    const inner = where.kind === "constant" && where.value ? null : this.render(where, elements, false);
    const conditions = [elements.where, inner?.sql].filter((c): c is string => Boolean(c));
    const sql = `EXISTS (SELECT 1 FROM ${elements.from}${conditions.length ? ` WHERE ${conditions.join(" AND ")}` : ""})`;
    return { sql: negated ? `NOT ${sql}` : sql, params: inner?.params ?? [], nullable: false };
  }

  /** A fresh alias per EXISTS, so sibling subqueries never shadow each other. */
  private nextAlias(): string {
    this.aliases += 1;
    return `${this.alias}_${this.aliases}`;
  }
}

/** Two-valued negation: an absent value (SQL NULL) counts as "no match", so `not` of it is a match. */
function negate(condition: SqlCondition, negated: boolean): SqlCondition {
  if (!negated) return condition;
  const sql = condition.nullable ? `NOT coalesce(${condition.sql}, false)` : `NOT (${condition.sql})`;
  return { sql, params: condition.params, nullable: false };
}
