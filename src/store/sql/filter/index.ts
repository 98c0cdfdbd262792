/** Filter predicates and sort keys (domain/ports/filter.ts) rendered to each database's SQL. */
import type { DatabaseKind } from "../database-kind";
import type { FilterSqlDialect } from "./dialect";
import { POSTGRES_FILTER_SQL } from "./postgres";
import { SQLITE_FILTER_SQL } from "./sqlite";

export { renderFilter } from "./render";
export { renderSort } from "./sort";
export type { FilterResource, SqlFragment } from "./columns";
export type { FilterSqlDialect } from "./dialect";
export { POSTGRES_FILTER_SQL, SQLITE_FILTER_SQL };

/** The dialect for the database an EntityManager speaks to: `FILTER_SQL_DIALECTS[databaseKindOf(em)]`. */
export const FILTER_SQL_DIALECTS: Record<DatabaseKind, FilterSqlDialect> = { sqlite: SQLITE_FILTER_SQL, postgres: POSTGRES_FILTER_SQL };
