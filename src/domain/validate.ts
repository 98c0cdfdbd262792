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

/** Whether assertCleanText would accept `value`. */
export function isCleanText(value: string): boolean {
  return !NUL_OR_LONE_SURROGATE.test(value);
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
