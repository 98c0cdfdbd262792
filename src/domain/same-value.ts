/**
 * Whether an attribute's new value is the one already stored, compared as JSON: what a command
 * skips (no change, no audit entry). Lists compare in order, objects whatever the order of their
 * keys: PostgreSQL's jsonb gives an object's keys back in its own order (shorter keys first), so
 * text comparison would see every stored object as changed — and an IdP re-sending a profile would
 * bump its version, write an event and notify webhooks on every sync. A key holding `undefined` is
 * absent, as in JSON. Most attributes a create compares are null or empty on both sides, answered
 * before anything is walked.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, index) => sameJson(element, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((key) => left[key] !== undefined);
  if (keys.length !== Object.keys(right).filter((key) => right[key] !== undefined).length) return false;
  return keys.every((key) => Object.hasOwn(right, key) && sameJson(left[key], right[key]));
}
