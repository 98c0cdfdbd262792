import type { CompareOp, SubstringOp } from "../../../domain/ports/filter";
/**
 * The SQL that differs between databases for filters and sorting: reading the JSON columns (the
 * user's value lists such as emails, kept as JSON arrays, and the enterprise extension object),
 * and how instants, booleans and numbers bind. Everything else a filter renders is SQL both
 * databases read alike.
 */
export interface FilterSqlDialect {
  /** A FROM item yielding one row per element of a JSON array column, aliased `alias`. */
  jsonArrayElements(column: string, alias: string): string;
  /** Text of the field `key` of one element produced by jsonArrayElements. */
  jsonElementField(alias: string, key: string): string;
  /** Text at a key path of a JSON object column (`manager.value`). */
  jsonPathField(column: string, keys: string[]): string;
  /** ORDER BY terms over jsonArrayElements rows: the element with `"primary": true` first, then array order. */
  jsonPrimaryFirst(alias: string): string;
  /** A JSON field as a number for numeric comparisons (PostgreSQL: NULL when it holds no number). */
  jsonNumber(field: string): string;
  /** Bind value comparing equal to a JSON boolean as jsonElementField / jsonPathField read it. */
  jsonBooleanParam(value: boolean): unknown;
  /** Bind value for a boolean column. */
  booleanParam(value: boolean): unknown;
  /** Bind value for a dateTime column. */
  dateParam(instant: Date): unknown;
  /** 1-based position of `needle` in `haystack`, 0 when absent, case-sensitive. */
  stringPosition(haystack: string, needle: string): string;
  /**
   * A caseExact: false match (eq, co, sw, ew) of a value without a folded key, when the operand has
   * letters the database's lower() does not fold (SQLite's folds ASCII only); null when lower()
   * does the job. NULL where the value is.
   */
  caselessMatch(expr: string, op: CompareOp | SubstringOp, operand: string): { sql: string; params: unknown[] } | null;
}
