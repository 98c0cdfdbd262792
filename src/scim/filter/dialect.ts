/**
 * The SQL that differs between databases for SCIM filters: JSON access into the multi-valued
 * attributes kept as JSON arrays (emails, phoneNumbers, …) and the extension object, and how
 * dates and booleans are bound. SQLite is the embedded default; PostgreSQL gets its own later.
 */
export interface SqlDialect {
  /** Text of `key` in a JSON object column: SQLite `json_extract(col, '$.key')`. */
  jsonField(column: string, key: string): string;
  /** A FROM item that yields one row per element of a JSON array column, aliased `alias`. */
  jsonArrayElements(column: string, alias: string): string;
  /** Text of `key` in one element produced by jsonArrayElements. */
  jsonElementField(alias: string, key: string): string;
  /** The element itself, for arrays of plain strings. */
  jsonElementValue(alias: string): string;
  /** Bind value for a dateTime column (MikroORM stores SQLite datetimes as epoch milliseconds). */
  dateParam(iso: string): unknown;
  booleanParam(value: boolean): unknown;
  /** JSON booleans inside a JSON column compare against this literal. */
  jsonBooleanParam(value: boolean): unknown;
  /** Text at a nested key path of a JSON object column (`manager.value`): SQLite `json_extract(col, '$.manager.value')`. */
  jsonPathField(column: string, keys: string[]): string;
  /** 1-based position of `needle` in `haystack`, 0 when absent, case-sensitive: SQLite `instr`, PostgreSQL `strpos`. */
  stringPosition(haystack: string, needle: string): string;
  /** ORDER BY terms over jsonArrayElements rows: the element with `"primary": true` first, then array order. */
  jsonPrimaryFirst(alias: string): string;
}

/**
 * A stored JSON column as SQLite's JSON functions may read it: a value they cannot parse (nested
 * deeper than SQLite's 1,000 levels, stored before the server bounded depth) reads as NULL — no
 * elements, no fields — instead of failing every filter of the organization that scans its row.
 */
const readableJson = (column: string) => `CASE WHEN json_valid(${column}) THEN ${column} END`;

export const SQLITE_DIALECT: SqlDialect = {
  jsonField: (column, key) => `json_extract(${readableJson(column)}, '$.${key}')`,
  jsonArrayElements: (column, alias) => `json_each(${readableJson(column)}) ${alias}`,
  jsonElementField: (alias, key) => `json_extract(${alias}.value, '$.${key}')`,
  jsonElementValue: (alias) => `${alias}.value`,
  dateParam: (iso) => new Date(iso).getTime(),
  booleanParam: (value) => (value ? 1 : 0),
  jsonBooleanParam: (value) => (value ? 1 : 0),
  jsonPathField: (column, keys) => `json_extract(${readableJson(column)}, '$.${keys.join(".")}')`,
  stringPosition: (haystack, needle) => `instr(${haystack}, ${needle})`,
  // json_each yields JSON true as 1 and numbers array elements by `key` (RFC 7644 §3.4.2.3: primary, else first).
  jsonPrimaryFirst: (alias) => `CASE WHEN json_extract(${alias}.value, '$.primary') = 1 THEN 0 ELSE 1 END, ${alias}.key`,
};
