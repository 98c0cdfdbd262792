/**
 * The SQL text that differs between the two databases, everything else being the same standard
 * SQL (recursive CTEs, ON CONFLICT DO NOTHING, RETURNING): how a bound JSON array of ids becomes
 * rows, how rows become one JSON array, how a stored JSON column is read, and how a datetime binds.
 */
/** How a field of recordsFromJson's objects is read. */
export type JsonFieldKind = "text" | "integer" | "timestamp" | "json";

export interface StoreDialect {
  /** A subquery yielding one row per id of a JSON array bound at `param` (`?`). */
  idsFromJson(param: string): string;
  /** A subquery yielding one row (columns `a`, `b`) per two-element array of a JSON array bound at `param`. */
  pairsFromJson(param: string): string;
  /** An aggregate of rows into one JSON array of arrays (`[]` when there are none). */
  jsonArrayOfArrays(values: string[]): string;
  /**
   * A subquery yielding one row per object of a JSON array bound at `param` (`?`), with a column
   * per named field, typed as its kind (datetimes as dateParam gives them, JSON as stored JSON):
   * one statement of fixed text updates any number of rows each with its own values.
   */
  recordsFromJson(param: string, fields: Record<string, JsonFieldKind>): string;
  /**
   * Whether `column` is among the ids the uncorrelated `select` yields, the select run once and
   * its ids then probed in `column`'s index: PostgreSQL, planning `in (select)` from estimates,
   * can hash the select's rows and read the whole table against them instead.
   */
  idAmong(column: string, select: string): string;
  /** A datetime as bound in a statement (MikroORM stores SQLite datetimes as epoch milliseconds). */
  dateParam(date: Date): unknown;
  /** A stored JSON column as an element of jsonArrayOfArrays or jsonObjectText, `fallback` where it cannot be read. */
  jsonColumn(column: string, fallback: string): string;
  /**
   * The clause ending a SELECT that locks the rows of the table aliased `alias` until the transaction
   * ends, letting foreign-key checks through (DirectoryStore.lockForChange); empty where the one
   * writer connection is the lock.
   */
  lockRowsOf(alias: string): string;
  /**
   * The clause ending a SELECT (a subquery of an UPDATE) that locks the rows of `alias` it picks and
   * skips those another transaction holds, so concurrent claimers take different rows; empty where
   * the one writer connection already makes claims take turns.
   */
  skipLockedOf(alias: string): string;
  /**
   * A join, after a FROM, to the rows of `table` (aliased `alias`) whose ids the correlated
   * `select` (`select <x>.id from … limit …`) picks for each row before it, the select run once
   * per such row: a LATERAL subquery on PostgreSQL, which plans `alias.id in (select)` in a join
   * condition as a subplan run for every pair of rows (every row of `table` read per outer row);
   * SQLite has no LATERAL and runs the IN's correlated select once per outer row.
   */
  joinPicked(table: string, alias: string, select: string): string;
  /**
   * The stored JSON array `column` with the JSON value `element` appended, its first element
   * dropped when it already holds `cap` (a log that keeps its last `cap` entries).
   */
  jsonArrayAppendCapped(column: string, element: string, cap: number): string;
  /**
   * A JSON object as text, from [key, SQL expression] pairs in order; a pair whose expression is
   * a `jsonColumn` is embedded as JSON, the others as JSON scalars.
   */
  jsonObjectText(pairs: Array<[string, string]>): string;
  /** A stored datetime as JSON's and JavaScript's ISO 8601 text (`toISOString`: UTC, milliseconds, `Z`). */
  isoTimestamp(column: string): string;
  /** Whether the stored JSON array of strings `column` holds the text `value` (both SQL expressions). */
  jsonArrayHasText(column: string, value: string): string;
  /** A NULL typed as text, where a UNION's first branch fixes the column's type. */
  nullText: string;
}
