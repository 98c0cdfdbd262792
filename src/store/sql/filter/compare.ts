import type { CompareOp, FilterOperand, SubstringOp } from "../../../domain/ports/filter";
import type { SqlCondition, ValueSql } from "./columns";
import type { FilterSqlDialect } from "./dialect";

/**
 * One comparison of one value against one operand (RFC 7644 §3.4.2.2), as SQL. The operand is
 * always a bound `?`; its type says how it binds, a text operand's caseExact how strings compare.
 */

const ORDERING: Record<CompareOp, string> = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };

/** `pr`: not null and, for text, not empty. Never NULL itself. */
export function presentSql(value: ValueSql, text: boolean): SqlCondition {
  const { expr } = value;
  return { sql: text ? `(${expr} IS NOT NULL AND ${expr} <> '')` : `${expr} IS NOT NULL`, params: [], nullable: false };
}

export function compareSql(value: ValueSql, op: CompareOp | SubstringOp, operand: FilterOperand, dialect: FilterSqlDialect): SqlCondition {
  if (operand.type === "string") return compareText(value, op, operand.value, operand.caseExact, dialect);
  if (isSubstring(op)) throw new Error(`"${op}" compares text, not a ${operand.type}`);
  switch (operand.type) {
    case "boolean":
      return ordered(value.expr, op, value.inJson ? dialect.jsonBooleanParam(operand.value) : dialect.booleanParam(operand.value));
    case "dateTime":
      return ordered(value.expr, op, dialect.dateParam(operand.value));
    case "number":
      return ordered(value.inJson ? dialect.jsonNumber(value.expr) : value.expr, op, operand.value);
  }
}

function ordered(left: string, op: CompareOp, param: unknown): SqlCondition {
  return { sql: `${left} ${ORDERING[op]} ?`, params: [param], nullable: true };
}

function compareText(value: ValueSql, op: CompareOp | SubstringOp, operand: string, caseExact: boolean, dialect: FilterSqlDialect): SqlCondition {
  if (op === "eq" && value.eq) {
    const special = value.eq(operand);
    if (special) return special;
  }
  if (caseExact) return caseExactText(value.expr, op, operand, dialect);
  const match = value.key ? null : dialect.caselessMatch(value.expr, op, operand);
  return match ? { ...match, nullable: true } : caseIgnoringText(value, op, operand);
}

/** LIKE patterns escape their own wildcards; the SQL says `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const LIKE_PATTERN: Record<SubstringOp, (escaped: string) => string> = {
  co: (e) => `%${e}%`,
  sw: (e) => `${e}%`,
  ew: (e) => `%${e}`,
};

/**
 * caseExact: false (RFC 7643 §2.2). With a folded key column the operand is folded here the same
 * way the key was filled (NFC, then lower case: access/names.ts foldName, so "café" matches however
 * its accent was typed), which keeps `userName eq` an index search. Otherwise both sides go
 * through the database's lower(), not one through JavaScript's: SQLite's lower() only folds ASCII,
 * and folding the two sides differently would miss even an exact non-ASCII match (an operand with
 * non-ASCII letters takes the dialect's caselessMatch instead). SQLite's LIKE ignores ASCII case
 * and PostgreSQL's does not, so both sides are folded for LIKE too.
 */
function caseIgnoringText(value: ValueSql, op: CompareOp | SubstringOp, operand: string): SqlCondition {
  const [left, right, param] = value.key ? [value.key, "?", operand.normalize("NFC").toLowerCase()] : [`lower(${value.expr})`, "lower(?)", operand];
  if (!isSubstring(op)) return { sql: `${left} ${ORDERING[op]} ${right}`, params: [param], nullable: true };
  return { sql: `${left} LIKE ${right} ESCAPE '\\'`, params: [LIKE_PATTERN[op](escapeLike(param))], nullable: true };
}

/**
 * caseExact: true. SQLite's LIKE ignores ASCII case, so co/sw/ew use the case-sensitive position
 * of the operand instead, which needs no escaping at all: co = found anywhere, sw = found at 1,
 * ew = the tail of the same length equals it (true for "" as RFC 7644 §3.4.2.2 sw/ew imply).
 */
function caseExactText(expr: string, op: CompareOp | SubstringOp, operand: string, dialect: FilterSqlDialect): SqlCondition {
  switch (op) {
    case "co":
      return { sql: `${dialect.stringPosition(expr, "?")} > 0`, params: [operand], nullable: true };
    case "sw":
      return { sql: `${dialect.stringPosition(expr, "?")} = 1`, params: [operand], nullable: true };
    case "ew":
      return { sql: `substr(${expr}, length(${expr}) - length(?) + 1) = ?`, params: [operand, operand], nullable: true };
    default:
      return ordered(expr, op, operand);
  }
}

function isSubstring(op: CompareOp | SubstringOp): op is SubstringOp {
  return op === "co" || op === "sw" || op === "ew";
}
