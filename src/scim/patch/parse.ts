import type { Filter } from "scim2-parse-filter";
import { ScimError } from "../errors";
import { parseWithinLimits } from "../filter/limits";
import { PATCH_OP_SCHEMA, type PatchOpName, type PatchOperation, type PatchPath } from "./types";

/**
 * Validates a PATCH request body (RFC 7644 §3.5.2) and returns its operations with op names
 * lower-cased — the one place where IdP spellings are normalised (Entra ID sends "Replace";
 * python-scim/scim2-server #13). Paths are parsed for syntax here; they are resolved against the
 * schemas when the operations are applied.
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax("The PATCH request body must be a JSON object (RFC 7644 §3.5.2).");
  const schemas = field(body, "schemas");
  const declaresPatchOp = Array.isArray(schemas) && schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
  if (!declaresPatchOp) throw ScimError.invalidSyntax(`"schemas" must contain "${PATCH_OP_SCHEMA}" (RFC 7644 §3.5.2).`);
  const operations = field(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw ScimError.invalidSyntax(`"Operations" must be a non-empty array of operations (RFC 7644 §3.5.2).`);
  }
  return operations.map((raw, index) => inOperation(index, null, () => parseOperation(raw)));
}

const OP_NAMES: ReadonlySet<string> = new Set<PatchOpName>(["add", "replace", "remove"]);

function parseOperation(raw: unknown): PatchOperation {
  if (!isPlainObject(raw)) throw ScimError.invalidSyntax("Each operation must be a JSON object with an \"op\".");
  const opField = field(raw, "op");
  const op = typeof opField === "string" ? opField.trim().toLowerCase() : "";
  if (!OP_NAMES.has(op)) {
    throw ScimError.invalidSyntax(`"op" must be "add", "replace" or "remove" (any case); got ${JSON.stringify(opField ?? null)}.`);
  }
  const pathField = field(raw, "path");
  if (pathField !== undefined && pathField !== null && typeof pathField !== "string") {
    throw ScimError.invalidPath(`"path" must be a string; got ${JSON.stringify(pathField)}.`);
  }
  const path = typeof pathField === "string" ? parsePatchPath(pathField) : null;
  const value = field(raw, "value");
  if (op === "remove") {
    // RFC 7644 §3.5.2.2: "If 'path' is unspecified, the operation fails with … noTarget."
    if (!path) throw ScimError.noTarget(`A "remove" operation must have a "path" (RFC 7644 §3.5.2.2).`);
    return value === undefined ? { op, path } : { op, path, value };
  }
  // RFC 7644 §3.5.2.1 / §3.5.2.3: add and replace MUST carry a value.
  if (value === undefined) throw ScimError.invalidValue(`An "${op}" operation must have a "value".`);
  if (!path && !isPlainObject(value)) {
    throw ScimError.invalidValue(`An "${op}" operation without a "path" needs an object "value" naming the attributes to set.`);
  }
  return { op: op as "add" | "replace", path, value };
}

// RFC 7644 §3.10 / RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar); "$ref" is the one reserved name.
const ATTR_NAME = String.raw`(?:\$ref|[A-Za-z][\w-]*)`;
const ATTR_PATH = new RegExp(String.raw`^(?:urn:[^\s\[\]"]+:)?${ATTR_NAME}(?:\.${ATTR_NAME})?$`, "i");
const SUB_ATTR = new RegExp(String.raw`^\.(${ATTR_NAME})$`);

/**
 * Parses `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].subAttr` (RFC 7644 §3.5.2).
 * The filter between the brackets is parsed by scim2-parse-filter; the attribute name contains no
 * "[" and the sub-attribute no "]", so the first "[" and the last "]" delimit it even when a
 * quoted comparison value contains brackets.
 */
export function parsePatchPath(text: string): PatchPath {
  const trimmed = text.trim();
  const open = trimmed.indexOf("[");
  if (open === -1) {
    if (!ATTR_PATH.test(trimmed)) throw invalidPath(text, "expected an attribute name, optionally URN-qualified, with at most one sub-attribute");
    return { text, attrPath: trimmed, valueFilter: null, subAttr: null };
  }
  const close = trimmed.lastIndexOf("]");
  if (close < open) throw invalidPath(text, `"[" is never closed`);
  const attrPath = trimmed.slice(0, open).trim();
  if (!ATTR_PATH.test(attrPath)) throw invalidPath(text, "expected an attribute name before \"[\"");
  const tail = trimmed.slice(close + 1);
  let subAttr: string | null = null;
  if (tail !== "") {
    const match = SUB_ATTR.exec(tail);
    if (!match) throw invalidPath(text, `unexpected "${tail}" after "]"`);
    subAttr = match[1];
  }
  return { text, attrPath, valueFilter: parseValueFilter(text, trimmed.slice(open + 1, close)), subAttr };
}

function parseValueFilter(pathText: string, filterText: string): Filter {
  // RFC 7644 §3.12: invalidFilter applies to "PATCH (Path Filter)"; the list filters' bounds apply too.
  const { filter } = parseWithinLimits(filterText, (reason) => `Invalid value filter in path "${pathText}": ${reason}.`);
  if (containsValuePath(filter)) throw ScimError.invalidFilter(`Value filters cannot be nested (path "${pathText}", RFC 7644 §3.4.2.2).`);
  return filter;
}

function containsValuePath(filter: Filter): boolean {
  switch (filter.op) {
    case "[]":
      return true;
    case "and":
    case "or":
      return filter.filters.some(containsValuePath);
    case "not":
      return containsValuePath(filter.filter);
    default:
      return false;
  }
}

function invalidPath(text: string, why: string): ScimError {
  return ScimError.invalidPath(`Invalid path "${text}": ${why} (RFC 7644 §3.5.2).`);
}

/**
 * Runs one operation's step and prefixes any SCIM error with the operation's position, so the
 * client sees which of its operations failed ("Operations[2] (replace active): …").
 */
export function inOperation<T>(index: number, operation: PatchOperation | null, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof ScimError)) throw error;
    const label = operation ? ` (${operation.op}${operation.path ? ` ${operation.path.text}` : ""})` : "";
    throw new ScimError(error.status, error.scimType, `Operations[${index}]${label}: ${error.message}`);
  }
}

/** A member of a message object, looked up case-insensitively (RFC 7644 §3.10: names are case-insensitive). */
function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
