import { Invalid } from "./errors";

/** A required, non-blank string, trimmed. */
export function requireText(value: string | null | undefined, field: string, maxLength = 512): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (!text) throw new Invalid(`${field} is required and must not be blank`);
  if (text.length > maxLength) throw new Invalid(`${field} must be at most ${maxLength} characters`);
  return text;
}

/** Case-insensitive identity of a name (userName, displayName, IdP role value). */
export function nameKey(value: string): string {
  return value.trim().toLowerCase();
}

/** Permission strings look like `payments.write`: dotted segments of letters, digits, `_`, `-`, `*`. */
const PERMISSION_PATTERN = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*$/;

export function validPermissions(permissions: string[]): string[] {
  const unique = [...new Set(permissions.map((p) => p.trim()))];
  const bad = unique.find((p) => !PERMISSION_PATTERN.test(p));
  if (bad !== undefined) throw new Invalid(`permission "${bad}" is not of the form "area.action"`);
  return unique.sort();
}
