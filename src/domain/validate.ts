import { foldName } from "../access/names";
import { Invalid } from "./errors";

/**
 * Text a client may store: no NUL (C strings, PostgreSQL text and many log pipelines stop at it)
 * and no lone UTF-16 surrogate (not a character: it cannot be encoded as UTF-8, so it would be
 * stored as something other than what was sent).
 */
export function assertCleanText(value: string, field: string): void {
  if (value.includes("\u0000")) throw new Invalid(`${field} must not contain the NUL character`);
  if (LONE_SURROGATE.test(value)) throw new Invalid(`${field} must be well-formed Unicode (it holds a lone surrogate)`);
}

/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
const NUL_OR_LONE_SURROGATE = /[\u0000\uD800-\uDFFF]/u;

/**
 * The first string (or object key) anywhere in `value` that assertCleanText would refuse, or
 * null. Walked with an explicit stack: edges check whole requests (URL parameters, GraphQL
 * variables) with it before any of it reaches SQL, where MikroORM inlines values into the SQL
 * text and SQLite stops reading that text at a NUL.
 */
export function firstUncleanText(value: unknown): string | null {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === "string") {
      if (NUL_OR_LONE_SURROGATE.test(node)) return node;
    } else if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
    } else if (node !== null && typeof node === "object") {
      for (const [key, item] of Object.entries(node)) {
        if (NUL_OR_LONE_SURROGATE.test(key)) return key;
        stack.push(item);
      }
    }
  }
  return null;
}

/** Refuses (Invalid) a request part holding text no store keeps as sent; `what` names the part. */
export function assertCleanRequestText(value: unknown, what: string): void {
  const unclean = firstUncleanText(value);
  if (unclean !== null) assertCleanText(unclean, what);
}

/** A required, non-blank string, trimmed. */
export function requireText(value: string | null | undefined, field: string, maxLength = 512): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) throw new Invalid(`${field} is required and must not be blank`);
  if (text.length > maxLength) throw new Invalid(`${field} must be at most ${maxLength} characters`);
  assertCleanText(text, field);
  return text;
}

/**
 * A name that is unique case-insensitively (userName, group displayName): required, trimmed and
 * stored in Unicode NFC, so the name and its key (nameKey) agree on what "the same name" is.
 */
export function requireName(value: string | null | undefined, field: string): string {
  return requireText(value, field).normalize("NFC");
}

/** Case-insensitive identity of a name (userName, displayName, IdP role value). */
export function nameKey(value: string): string {
  return foldName(value);
}

/** Permission strings look like `payments.write`: dotted segments of letters, digits, `_`, `-`, `*`. */
const PERMISSION_PATTERN = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*$/;

export function validPermissions(permissions: string[]): string[] {
  const unique = [...new Set(permissions.map((p) => p.trim()))];
  const bad = unique.find((p) => !PERMISSION_PATTERN.test(p));
  if (bad !== undefined) throw new Invalid(`permission "${bad}" is not of the form "area.action"`);
  return unique.sort();
}
