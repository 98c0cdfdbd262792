import { ScimError } from "../errors";
import type { AttributeSchema } from "../schema";
import type { ScalarTarget } from "./columns";
import type { SqlDialect } from "./dialect";

/**
 * One comparison of one scalar value against one operand (RFC 7644 §3.4.2.2), as SQL. The
 * operand is always a bound `?`; the attribute's type decides which operators apply and how the
 * operand binds, its `caseExact` how strings compare.
 */

/** Operators left after compile.ts rewrote `ne` as `not eq` and `eq null` as `not pr`. */
export type CompareOp = "eq" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

/** A predicate; `nullable` when it yields SQL NULL for an absent value (negation must then coalesce). */
export interface Predicate {
  sql: string;
  params: unknown[];
  nullable: boolean;
}

export type CompValue = string | number | boolean;

/** The scalar being compared: its schema, where it lives, and the alias of the row holding it. */
export interface ScalarRef {
  path: string;
  schema: AttributeSchema;
  target: ScalarTarget;
  alias: string;
}

const ORDERING: Record<"gt" | "ge" | "lt" | "le", string> = { gt: ">", ge: ">=", lt: "<", le: "<=" };

/** `pr` (RFC 7644 §3.4.2.2): present = not null and, for strings, not empty. Never NULL itself. */
export function presentScalar(ref: ScalarRef, dialect: SqlDialect): Predicate {
  const value = ref.target.expr(ref.alias, dialect);
  const stringy = ref.schema.type === "string" || ref.schema.type === "reference" || ref.schema.type === "binary";
  return { sql: stringy ? `(${value} IS NOT NULL AND ${value} <> '')` : `${value} IS NOT NULL`, params: [], nullable: false };
}

export function compareScalar(ref: ScalarRef, op: CompareOp, operand: CompValue, dialect: SqlDialect): Predicate {
  const { path, schema, target } = ref;
  const value = target.expr(ref.alias, dialect);
  switch (schema.type) {
    case "boolean": {
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean SHALL fail with invalidFilter; co/sw/ew have no meaning.
      if (op !== "eq") throw ScimError.invalidFilter(`the operator "${op}" does not apply to the boolean attribute ${path}`);
      const flag = booleanOperand(operand, path);
      return { sql: `${value} = ?`, params: [target.inJson ? dialect.jsonBooleanParam(flag) : dialect.booleanParam(flag)], nullable: true };
    }
    case "dateTime": {
      // Stored as instants, not text: a substring of a timestamp has no meaning, so co/sw/ew are refused.
      if (op === "co" || op === "sw" || op === "ew") throw ScimError.invalidFilter(`the operator "${op}" does not apply to the dateTime attribute ${path}`);
      const param = dialect.dateParam(dateTimeOperand(operand, path));
      return { sql: `${value} ${op === "eq" ? "=" : ORDERING[op]} ?`, params: [param], nullable: true };
    }
    case "integer":
    case "decimal": {
      if (op === "co" || op === "sw" || op === "ew") throw ScimError.invalidFilter(`the operator "${op}" does not apply to the numeric attribute ${path}`);
      if (typeof operand !== "number") throw ScimError.invalidFilter(`${path} is a number: compare it with a number, not ${JSON.stringify(operand)}`);
      return { sql: `${value} ${op === "eq" ? "=" : ORDERING[op]} ?`, params: [operand], nullable: true };
    }
    case "complex":
      throw new Error(`compareScalar reached the complex attribute ${path}`);
    default: {
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a binary SHALL fail with invalidFilter.
      if (schema.type === "binary" && op in ORDERING) throw ScimError.invalidFilter(`the operator "${op}" does not apply to the binary attribute ${path}`);
      if (typeof operand !== "string") throw ScimError.invalidFilter(`${path} is a string: compare it with a quoted string, not ${JSON.stringify(operand)}`);
      if (op === "eq" && target.eq) {
        const special = target.eq(ref.alias, operand);
        if (special) return special;
      }
      // Binary values are base64, where case matters whatever the schema says.
      return schema.caseExact || schema.type === "binary" ? caseExactString(value, op, operand, dialect) : caseIgnoringString(ref, value, op, operand);
    }
  }
}

/** LIKE patterns escape their own wildcards; the SQL says `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const LIKE_PATTERN: Record<"co" | "sw" | "ew", (escaped: string) => string> = {
  co: (e) => `%${e}%`,
  sw: (e) => `${e}%`,
  ew: (e) => `%${e}`,
};

/**
 * caseExact: false (RFC 7643 §2.2). With a lower-cased key column the operand is lower-cased here
 * (the same folding that filled the key), which keeps `userName eq` an index search. Otherwise
 * both sides go through the database's lower(), not one through JavaScript's: SQLite's lower() only
 * folds ASCII, and folding the two sides differently would miss even an exact non-ASCII match.
 */
function caseIgnoringString(ref: ScalarRef, value: string, op: CompareOp, operand: string): Predicate {
  const key = ref.target.key?.(ref.alias);
  // NFC as well, as the key was filled (access/names.ts foldName): "café" matches however its accent was typed.
  const [left, right, param] = key ? [key, "?", operand.normalize("NFC").toLowerCase()] : [`lower(${value})`, "lower(?)", operand];
  if (op === "eq") return { sql: `${left} = ${right}`, params: [param], nullable: true };
  if (op in ORDERING) return { sql: `${left} ${ORDERING[op as keyof typeof ORDERING]} ${right}`, params: [param], nullable: true };
  const pattern = LIKE_PATTERN[op as keyof typeof LIKE_PATTERN](escapeLike(param));
  return { sql: `${left} LIKE ${right} ESCAPE '\\'`, params: [pattern], nullable: true };
}

/**
 * caseExact: true. SQLite's LIKE ignores ASCII case, so co/sw/ew use the case-sensitive position
 * of the operand instead, which needs no escaping at all: co = found anywhere, sw = found at 1,
 * ew = the tail of the same length equals it (true for "" as RFC 7644 §3.4.2.2 sw/ew imply).
 */
function caseExactString(value: string, op: CompareOp, operand: string, dialect: SqlDialect): Predicate {
  switch (op) {
    case "eq":
      return { sql: `${value} = ?`, params: [operand], nullable: true };
    case "co":
      return { sql: `${dialect.stringPosition(value, "?")} > 0`, params: [operand], nullable: true };
    case "sw":
      return { sql: `${dialect.stringPosition(value, "?")} = 1`, params: [operand], nullable: true };
    case "ew":
      return { sql: `substr(${value}, length(${value}) - length(?) + 1) = ?`, params: [operand, operand], nullable: true };
    default:
      return { sql: `${value} ${ORDERING[op]} ?`, params: [operand], nullable: true };
  }
}

/** RFC 7644 wants a JSON boolean; Entra ID sends "True" / "False" strings, so those are accepted too. */
function booleanOperand(operand: CompValue, path: string): boolean {
  if (typeof operand === "boolean") return operand;
  if (typeof operand === "string" && /^(true|false)$/i.test(operand)) return operand.toLowerCase() === "true";
  throw ScimError.invalidFilter(`${path} is a boolean: compare it with true or false, not ${JSON.stringify(operand)}`);
}

/** xsd:dateTime (RFC 7643 §2.3.5); without a zone it is read as UTC, the server's only zone. */
const XSD_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/i;

function dateTimeOperand(operand: CompValue, path: string): string {
  if (typeof operand === "string" && XSD_DATE_TIME.test(operand) && isCalendarDate(operand)) {
    const iso = /(Z|[+-]\d{2}:\d{2})$/i.test(operand) ? operand : `${operand}Z`;
    if (!Number.isNaN(Date.parse(iso))) return new Date(iso).toISOString();
  }
  throw ScimError.invalidFilter(`${path} is a dateTime: compare it with a quoted xsd:dateTime such as "2026-01-01T00:00:00Z", not ${JSON.stringify(operand)}`);
}

/** Date.parse rolls "2026-02-31" over into March; a filter with an impossible date is a client error. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}
