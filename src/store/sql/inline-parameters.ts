/**
 * A statement's `?` parameters written into its text as literals, so that a whole transaction can
 * go to the database as one text (one round trip) instead of one round trip per statement. Each
 * database says how a value is written (`literal`): SQLite in sqlite/inline-parameters.ts,
 * PostgreSQL in postgres/literals.ts; both write values so that no character of a value can
 * change what the statement says. `?` inside quoted text or quoted names is not a placeholder.
 */
export function inlineParameters(sql: string, params: readonly unknown[], literal: (value: unknown) => string): string {
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
      parts.push(sql.slice(from, at), literal(params[used++]));
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
