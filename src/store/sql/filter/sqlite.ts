import type { FilterSqlDialect } from "./dialect";
import { caselessGlob } from "./caseless-glob";
import { assertJsonKey } from "./names";

/**
 * A stored JSON column as SQLite's JSON functions may read it: a value they cannot parse (nested
 * deeper than SQLite's 1,000 levels, stored before the server bounded depth) reads as NULL — no
 * elements, no fields — instead of failing every filter of the organization that scans its row.
 */
const readableJson = (column: string) => `CASE WHEN json_valid(${column}) THEN ${column} END`;

export const SQLITE_FILTER_SQL: FilterSqlDialect = {
  jsonArrayElements: (column, alias) => `json_each(${readableJson(column)}) ${alias}`,
  jsonElementField: (alias, key) => `json_extract(${alias}.value, '$.${assertJsonKey(key)}')`,
  jsonPathField: (column, keys) => `json_extract(${readableJson(column)}, '$.${keys.map(assertJsonKey).join(".")}')`,
  // json_each yields JSON true as 1 and numbers array elements by `key` (RFC 7644 §3.4.2.3: primary, else first).
  jsonPrimaryFirst: (alias) => `CASE WHEN json_extract(${alias}.value, '$.primary') = 1 THEN 0 ELSE 1 END, ${alias}.key`,
  // json_extract already yields JSON numbers as numbers.
  jsonNumber: (field) => field,
  jsonBooleanParam: (value) => (value ? 1 : 0),
  booleanParam: (value) => (value ? 1 : 0),
  // MikroORM stores SQLite datetimes as epoch milliseconds.
  dateParam: (instant) => instant.getTime(),
  stringPosition: (haystack, needle) => `instr(${haystack}, ${needle})`,
  caselessMatch: (expr, op, operand) => {
    const pattern = caselessGlob(op, operand);
    return pattern === null ? null : { sql: `lower(${expr}) GLOB ?`, params: [pattern] };
  },
};
