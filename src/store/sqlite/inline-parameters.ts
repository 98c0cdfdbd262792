import { inlineParameters as inlineWith } from "../sql/inline-parameters";

/**
 * A statement's `?` parameters written into its text as SQLite literals, so that a whole
 * transaction can go to SQLite as one text (`sqlite3_exec`: writer-thread.ts) instead of one
 * round trip through the thread pool per statement.
 *
 * A string is written as a hex blob cast to text: not one character of a value reaches the SQL
 * text, whatever the value holds (quotes, NUL, any Unicode), so no value can change what the
 * statement says. Numbers must be finite; booleans are 1 and 0, as sqlite3 binds them.
 */
export function inlineParameters(sql: string, params: readonly unknown[]): string {
  return inlineWith(sql, params, sqliteLiteral);
}

/** One value as an SQLite literal of the type sqlite3 would bind it as. */
export function sqliteLiteral(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return `cast(x'${Buffer.from(value, "utf8").toString("hex")}' as text)`;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} has no SQLite literal`);
    return String(value);
  }
  if (typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value instanceof Uint8Array) return `x'${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}'`;
  throw new Error(`a ${typeof value} has no SQLite literal`);
}
