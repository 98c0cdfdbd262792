/**
 * Whether an attribute's new value is the one already stored, compared as JSON: what a command
 * skips (no change, no audit entry). A create compares every attribute of the table, most of them
 * null or empty on both sides, so those are answered without serialising anything.
 */
export function sameStoredValue(stored: unknown, value: unknown): boolean {
  if (stored === value) return true;
  if (stored === null || value === null || typeof stored !== "object" || typeof value !== "object") return false;
  if (Array.isArray(stored) && Array.isArray(value) && stored.length === 0 && value.length === 0) return true;
  return JSON.stringify(stored) === JSON.stringify(value);
}
