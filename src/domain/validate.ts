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

/** Longest text one attribute may hold (a title, a URL, a description…): 8 KiB of characters; names hold 512. */
export const MAX_TEXT_LENGTH = 8192;

/** Clean text (assertCleanText) of at most MAX_TEXT_LENGTH characters. */
export function assertStorableText(value: string, field: string): void {
  if (value.length > MAX_TEXT_LENGTH) throw new Invalid(`${field} must be at most ${MAX_TEXT_LENGTH} characters`);
  assertCleanText(value, field);
}

/**
 * Characters no name should hold, because they cannot be seen or they rewrite what is shown: C0
 * and C1 controls (line breaks, ESC sequences that drive a terminal), the bidirectional overrides
 * and isolates (U+202A–202E, U+2066–2069, which display a name backwards), and the invisible
 * separators (zero-width space, word joiner, byte-order mark, soft hyphen) that would make
 * "ada\u200b" a second, identical-looking "ada". The zero-width joiners (U+200C, U+200D) stay:
 * scripts such as Persian and emoji sequences need them.
 */
const INVISIBLE_OR_CONTROL = /[\u0000-\u001F\u007F-\u009F\u00AD\u200B\u200E\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/u;

/** A required, non-blank name, trimmed: visible characters only. */
export function requireText(value: string | null | undefined, field: string, maxLength = 512): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) throw new Invalid(`${field} is required and must not be blank`);
  if (text.length > maxLength) throw new Invalid(`${field} must be at most ${maxLength} characters`);
  assertCleanText(text, field);
  const hidden = INVISIBLE_OR_CONTROL.exec(text);
  if (hidden) {
    const codePoint = `U+${(hidden[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new Invalid(`${field} must not contain control or invisible characters (it holds ${codePoint})`);
  }
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

/** Most permissions one role may hold, and the longest one. */
export const MAX_PERMISSIONS = 1000;
export const MAX_PERMISSION_LENGTH = 256;

/** A role's permissions: a list (null is not "none": leave the field out to keep them), each `area.action`. */
export function validPermissions(permissions: string[] | null): string[] {
  if (!Array.isArray(permissions)) throw new Invalid("permissions must be a list (an empty one for none)");
  const unique = [...new Set(permissions.map((p) => p.trim()))];
  if (unique.length > MAX_PERMISSIONS) throw new Invalid(`a role holds at most ${MAX_PERMISSIONS} permissions`);
  const long = unique.find((p) => p.length > MAX_PERMISSION_LENGTH);
  if (long !== undefined) throw new Invalid(`a permission is at most ${MAX_PERMISSION_LENGTH} characters ("${long.slice(0, 32)}…" is longer)`);
  const bad = unique.find((p) => !PERMISSION_PATTERN.test(p));
  if (bad !== undefined) throw new Invalid(`permission "${bad}" is not of the form "area.action"`);
  return unique.sort();
}
