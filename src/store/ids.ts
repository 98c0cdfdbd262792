import { v7 as uuidv7 } from "uuid";

/**
 * Every row id is a UUIDv7: opaque to clients (SCIM ids must be), and time-ordered, so primary-key
 * inserts append to the B-tree instead of scattering, and keyset pagination by id follows creation order.
 */
export function newId(): string {
  return uuidv7();
}

/**
 * The lowest UUIDv7 of the millisecond `at` (its 48-bit timestamp, the rest zero): every id made at
 * or after `at` by a clock that agreed sorts at or after it, as text as well as in the index.
 */
export function idFloorAt(at: Date): string {
  const hex = Math.max(0, Math.floor(at.getTime())).toString(16).padStart(12, "0");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
