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
  const parts: string[] = [];
  let used = 0;
  let quote = 0;
  let from = 0;
  for (let at = 0; at < sql.length; at++) {
    const code = sql.charCodeAt(at);
    if (quote !== 0) {
      // A doubled quote inside a quoted run closes and reopens it: the toggle handles it.
      if (code === quote) quote = 0;
    } else if (code === SINGLE_QUOTE || code === DOUBLE_QUOTE) {
      quote = code;
    } else if (code === QUESTION_MARK) {
      if (used >= params.length) throw new Error(`the statement has more placeholders than its ${params.length} parameters`);
      parts.push(sql.slice(from, at), sqliteLiteral(params[used++]));
      from = at + 1;
    }
  }
  if (used !== params.length) throw new Error(`the statement has ${used} placeholders for ${params.length} parameters`);
  parts.push(sql.slice(from));
  return parts.join("");
}

const SINGLE_QUOTE = "'".charCodeAt(0);
const DOUBLE_QUOTE = '"'.charCodeAt(0);
const QUESTION_MARK = "?".charCodeAt(0);

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
