import type { CompareOp, FilterPredicate, FilterValue, SubstringOp, TextOperand } from "../../domain/ports/filter";
import { ScimError } from "../errors";
import type { AttributeSchema } from "../schema";
import type { ScalarTarget } from "./attributes";

/**
 * One comparison of one scalar attribute against one operand (RFC 7644 §3.4.2.2), checked and
 * typed: the attribute's type decides which operators apply and what the operand must be, its
 * `caseExact` how strings compare. Every refusal is an invalidFilter here, before any store.
 */

/** Operators left after compile.ts rewrote `ne` as `not eq` and `eq null` as `not pr`. */
export type FilterOp = CompareOp | SubstringOp;

export type CompValue = string | number | boolean;

/** The scalar being compared: the path as the client wrote it (for messages), its schema and target. */
export interface ScalarRef {
  path: string;
  schema: AttributeSchema;
  target: ScalarTarget;
}

const ORDERING_OPS: ReadonlySet<FilterOp> = new Set(["gt", "ge", "lt", "le"]);
const SUBSTRING_OPS: ReadonlySet<FilterOp> = new Set(["co", "sw", "ew"]);

/** `pr` (RFC 7644 §3.4.2.2): present = not null and, for strings, not empty. */
export function presence(ref: ScalarRef): FilterPredicate {
  const text = ref.schema.type === "string" || ref.schema.type === "reference" || ref.schema.type === "binary";
  if (ref.target.kind === "constant") return { kind: "constant", value: ref.target.value !== "" };
  return { kind: "present", value: ref.target.value, text };
}

export function comparison(ref: ScalarRef, op: FilterOp, operand: CompValue): FilterPredicate {
  const { path, schema } = ref;
  switch (schema.type) {
    case "boolean": {
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean SHALL fail with invalidFilter; co/sw/ew have no meaning.
      if (op !== "eq") throw ScimError.invalidFilter(`the operator "${op}" does not apply to the boolean attribute ${path}`);
      return { kind: "compare", value: valueOf(ref), op, operand: { type: "boolean", value: booleanOperand(operand, path) } };
    }
    case "dateTime": {
      // Stored as instants, not text: a substring of a timestamp has no meaning, so co/sw/ew are refused.
      if (isSubstring(op)) throw ScimError.invalidFilter(`the operator "${op}" does not apply to the dateTime attribute ${path}`);
      return { kind: "compare", value: valueOf(ref), op, operand: { type: "dateTime", value: dateTimeOperand(operand, path) } };
    }
    case "integer":
    case "decimal": {
      if (isSubstring(op)) throw ScimError.invalidFilter(`the operator "${op}" does not apply to the numeric attribute ${path}`);
      if (typeof operand !== "number") throw ScimError.invalidFilter(`${path} is a number: compare it with a number, not ${JSON.stringify(operand)}`);
      return { kind: "compare", value: valueOf(ref), op, operand: { type: "number", value: operand } };
    }
    case "complex":
      throw new Error(`comparison reached the complex attribute ${path}`);
    default: {
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on a binary SHALL fail with invalidFilter.
      if (schema.type === "binary" && ORDERING_OPS.has(op)) throw ScimError.invalidFilter(`the operator "${op}" does not apply to the binary attribute ${path}`);
      if (typeof operand !== "string") throw ScimError.invalidFilter(`${path} is a string: compare it with a quoted string, not ${JSON.stringify(operand)}`);
      // Binary values are base64, where case matters whatever the schema says.
      const text: TextOperand = { type: "string", value: operand, caseExact: schema.caseExact || schema.type === "binary" };
      if (ref.target.kind === "constant") return { kind: "constant", value: compareConstant(ref.target.value, op, text) };
      return { kind: "compare", value: ref.target.value, op, operand: text };
    }
  }
}

function valueOf(ref: ScalarRef): FilterValue {
  if (ref.target.kind === "constant") throw new Error(`the constant ${ref.path} is not a ${ref.schema.type}`);
  return ref.target.value;
}

function isSubstring(op: FilterOp): op is SubstringOp {
  return SUBSTRING_OPS.has(op);
}

/** A comparison with a value the server fixes (`meta.resourceType eq "User"`), decided here. */
function compareConstant(constant: string, op: FilterOp, operand: TextOperand): boolean {
  const [left, right] = operand.caseExact ? [constant, operand.value] : [constant.toLowerCase(), operand.value.toLowerCase()];
  switch (op) {
    case "eq":
      return left === right;
    case "co":
      return left.includes(right);
    case "sw":
      return left.startsWith(right);
    case "ew":
      return left.endsWith(right);
    case "gt":
      return left > right;
    case "ge":
      return left >= right;
    case "lt":
      return left < right;
    case "le":
      return left <= right;
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

function dateTimeOperand(operand: CompValue, path: string): Date {
  if (typeof operand === "string" && XSD_DATE_TIME.test(operand) && isCalendarDate(operand)) {
    const instant = new Date(/(Z|[+-]\d{2}:\d{2})$/i.test(operand) ? operand : `${operand}Z`);
    if (!Number.isNaN(instant.getTime())) return instant;
  }
  throw ScimError.invalidFilter(`${path} is a dateTime: compare it with a quoted xsd:dateTime such as "2026-01-01T00:00:00Z", not ${JSON.stringify(operand)}`);
}

/** Date.parse rolls "2026-02-31" over into March; a filter with an impossible date is a client error. */
function isCalendarDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}
