import type { SortKey } from "../../../domain/ports/filter";
import { collectionSql, resourceValueSql, type FilterResource, type ValueSql } from "./columns";
import type { FilterSqlDialect } from "./dialect";
import { assertAlias } from "./names";

/**
 * A sort key (domain/ports/filter.ts) → an ORDER BY expression over the resource table aliased
 * `alias`; the caller appends the direction and a tie-breaker. Text sorted ignoring case sorts by
 * its folded key when indexed, else by lower(). A value list sorts by the item of its primary
 * element, else of its first. The expression binds nothing: it holds only names from the
 * attribute map.
 */
export function renderSort(sort: SortKey, resource: FilterResource, alias: string, dialect: FilterSqlDialect): string {
  assertAlias(alias);
  switch (sort.kind) {
    case "value":
      return sortValue(resourceValueSql(sort.value, resource, alias, dialect), sort.caseIgnoring);
    case "primaryItem": {
      const element = `${alias}_s`;
      const elements = collectionSql(sort.collection, resource, alias, element, dialect);
      if (!elements.primaryFirst) throw new Error(`${sort.collection} has no primary element to sort by`);
      const value = sortValue(elements.item(sort.item), sort.caseIgnoring);
      return `(SELECT ${value} FROM ${elements.from}${elements.where ? ` WHERE ${elements.where}` : ""} ORDER BY ${elements.primaryFirst} LIMIT 1)`;
    }
    case "constant":
      // Every row the same: an expression, as PostgreSQL refuses a literal ("non-integer constant in ORDER BY").
      return "(1 = 1)";
  }
}

function sortValue(value: ValueSql, caseIgnoring: boolean): string {
  if (!caseIgnoring) return value.expr;
  return value.key ?? `lower(${value.expr})`;
}
