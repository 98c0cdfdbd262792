import { Invalid } from "./errors";

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
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== "object") continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    const children = Array.isArray(current) ? current : Object.values(current as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === "object") stack.push({ value: child, depth: level });
  }
  return deepest;
}

/** Refuses (Invalid → SCIM 400 invalidValue, GraphQL BAD_USER_INPUT) a JSON value too deep or too large to store. */
export function assertStorableJson(value: unknown, field: string): void {
  if (value === null || typeof value !== "object") return;
  if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new Invalid(`${field} nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (JSON.stringify(value).length > MAX_JSON_ATTRIBUTE_LENGTH) {
    throw new Invalid(`${field} is larger than ${MAX_JSON_ATTRIBUTE_LENGTH} characters of JSON`);
  }
}
