/** Filter predicates and sort keys (domain/ports/filter.ts) rendered to each database's SQL. */
export { renderFilter } from "./render";
export { renderSort } from "./sort";
export type { FilterResource, SqlFragment } from "./columns";
export type { FilterSqlDialect } from "./dialect";
export { POSTGRES_FILTER_SQL } from "./postgres";
export { SQLITE_FILTER_SQL } from "./sqlite";
