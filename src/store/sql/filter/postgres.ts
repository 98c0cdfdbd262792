import type { FilterSqlDialect } from "./dialect";
import { assertJsonKey } from "./names";

/**
 * PostgreSQL keeps the JSON columns as jsonb, always valid, so they are read directly: `->>` gives
 * a field as text (JSON true as 'true'), jsonb_array_elements WITH ORDINALITY the elements with
 * their position. Its `?` jsonb operators are never used: knex would take them for placeholders.
 * Strings compare and sort by the database's collation (initdb --locale=C.UTF-8 in
 * scripts/with-postgres.sh: code point order, as SQLite's).
 */
export const POSTGRES_FILTER_SQL: FilterSqlDialect = {
  jsonArrayElements: (column, alias) => `jsonb_array_elements(${column}) WITH ORDINALITY ${alias}(value, key)`,
  jsonElementField: (alias, key) => `(${alias}.value ->> '${assertJsonKey(key)}')`,
  jsonPathField: (column, keys) => {
    const path = keys.map((key) => `'${assertJsonKey(key)}'`);
    return `(${column}${path.slice(0, -1).map((key) => ` -> ${key}`).join("")} ->> ${path[path.length - 1]})`;
  },
  jsonPrimaryFirst: (alias) => `CASE WHEN ${alias}.value ->> 'primary' = 'true' THEN 0 ELSE 1 END, ${alias}.key`,
  // `->>` yields text; only a JSON number's text casts (the pattern holds no "?", which knex would bind).
  jsonNumber: (field) => `CASE WHEN ${field} ~ '^-{0,1}[0-9]+([.][0-9]+){0,1}([eE][-+]{0,1}[0-9]+){0,1}$' THEN CAST(${field} AS numeric) END`,
  jsonBooleanParam: (value) => (value ? "true" : "false"),
  booleanParam: (value) => value,
  // timestamptz reads the ISO text as the instant it names.
  dateParam: (instant) => instant.toISOString(),
  stringPosition: (haystack, needle) => `strpos(${haystack}, ${needle})`,
  // lower() folds every letter under a UTF-8 ctype (C.UTF-8, as scripts/with-postgres.sh creates).
  caselessMatch: () => null,
};
