import { v7 as uuidv7 } from "uuid";

/**
 * Every row id is a UUIDv7: opaque to clients (SCIM ids must be), and time-ordered, so primary-key
 * inserts append to the B-tree instead of scattering, and keyset pagination by id follows creation order.
 */
export function newId(): string {
  return uuidv7();
}
