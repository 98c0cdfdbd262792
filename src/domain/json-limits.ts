import { Invalid } from "./errors";
import { assertCleanText, isCleanText } from "./validate";

/**
 * Bounds on free-form JSON a client may store (SCIM extension attributes, multi-valued entries,
 * the enterprise extension, GraphQL JSON inputs). Values nested deeper than this are refused at
 * the edge: every later reader (SQLite's JSON functions stop at 1,000 levels, recursive code in
 * JavaScript at a few thousand) would otherwise fail on them, for every query they fall into.
 * Real IdP payloads nest 3 levels (a user → addresses → one address).
 */
export const MAX_JSON_DEPTH = 32;
/** Largest JSON value one attribute may hold, in UTF-16 code units of its serialised form. */
export const MAX_JSON_ATTRIBUTE_LENGTH = 64 * 1024;

/**
 * How deep `value` nests (a scalar is 0, `{}` and `[]` are 1), walked iteratively so that a
 * hostile depth cannot overflow the stack. Stops counting once past `limit`.
 */
export function jsonDepth(value: unknown, limit = Number.MAX_SAFE_INTEGER): number {
  let deepest = 0;
  walkJson(value, (_node, depth) => {
    if (depth > deepest) deepest = depth;
    return deepest <= limit;
  });
  return deepest;
}

/**
 * Refuses (Invalid → SCIM 400 invalidValue, GraphQL BAD_USER_INPUT) a JSON value too deep or too
 * large to store, or holding text no database should keep (NUL, lone surrogates) in a key or a string.
 */
export function assertStorableJson(value: unknown, field: string): void {
  if (value === null || typeof value !== "object") return;
  walkJson(value, (node, depth) => {
    if (depth > MAX_JSON_DEPTH) throw new Invalid(`${field} nests deeper than ${MAX_JSON_DEPTH} levels`);
    const unclean = uncleanTextOf(node);
    if (unclean !== null) assertCleanText(unclean, field);
    return true;
  });
  if (JSON.stringify(value).length > MAX_JSON_ATTRIBUTE_LENGTH) {
    throw new Invalid(`${field} is larger than ${MAX_JSON_ATTRIBUTE_LENGTH} characters of JSON`);
  }
}

/**
 * The first string or object key anywhere in `value` that assertCleanText would refuse, or null.
 * Edges check whole requests (SCIM bodies and URL parameters, GraphQL variables) with it before
 * any of it reaches SQL, where MikroORM inlines values into the SQL text and SQLite stops reading
 * that text at a NUL.
 */
export function firstUncleanText(value: unknown): string | null {
  let found: string | null = null;
  walkJson(value, (node) => (found = uncleanTextOf(node)) === null);
  return found;
}

/** Refuses (Invalid) a request part holding text no store keeps as sent; `what` names the part. */
export function assertCleanRequestText(value: unknown, what: string): void {
  const unclean = firstUncleanText(value);
  if (unclean !== null) assertCleanText(unclean, what);
}

/**
 * Visits every node of a JSON value with the depth of the container it opens (objects and arrays
 * count 1 more than their parent; scalars report their parent's depth), depth-first, with an
 * explicit stack: the depth of what a client sends is not bounded yet when it is walked.
 * `visit` returns false to stop.
 */
export function walkJson(root: unknown, visit: (node: unknown, depth: number) => boolean): void {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    const container = node !== null && typeof node === "object";
    const level = container ? depth + 1 : depth;
    if (!visit(node, level)) return;
    if (!container) continue;
    for (const child of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) stack.push({ node: child, depth: level });
  }
}

/** The text a node holds that assertCleanText would refuse: the string itself, or one of an object's keys. */
function uncleanTextOf(node: unknown): string | null {
  if (typeof node === "string") return isCleanText(node) ? null : node;
  if (node === null || typeof node !== "object" || Array.isArray(node)) return null;
  return Object.keys(node).find((key) => !isCleanText(key)) ?? null;
}
