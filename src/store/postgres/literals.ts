/**
 * One value as a PostgreSQL literal, for a group commit's statements sent as one text (simple
 * query protocol: one round trip for the whole transaction instead of one per statement).
 *
 * Text is an escape string (`E'…'`) with every backslash and quote doubled: no escape sequence
 * is left and the quote cannot be closed early, whatever the value holds and whatever
 * `standard_conforming_strings` says. PostgreSQL text cannot hold NUL, bound or inlined, so it is
 * refused here rather than cut the text short. A string constant has no type of its own: it takes
 * the column's, as a bound parameter does. Datetimes go as ISO 8601 with `Z` (every column is
 * timestamptz); numbers must be finite.
 */
export function postgresLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return escapeString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} has no PostgreSQL literal`);
    return String(value);
  }
  if (typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error("an invalid Date has no PostgreSQL literal");
    return escapeString(value.toISOString());
  }
  throw new Error(`a ${typeof value} has no PostgreSQL literal`);
}

function escapeString(text: string): string {
  if (text.includes("\0")) throw new Error("PostgreSQL text cannot hold a NUL character");
  return `E'${text.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}
