import type { CredentialRecord } from "../store/credential-records";

/**
 * How long another process's revocation can go unseen here. Revocations in this process are
 * seen at once (forgetCredentials); this bounds the case of several servers on one database.
 */
export const CREDENTIAL_CACHE_TTL_MS = 5_000;
/** Live credentials are few; the bound only stops a flood of distinct valid ids growing memory. */
const CAPACITY = 10_000;

interface Entry {
  record: CredentialRecord;
  loadedAt: number;
}

const entries = new Map<string, Entry>();
/** Bumped on every forget, so a read that raced a revocation is not cached afterwards. */
let generation = 0;

/**
 * The credential row for an id, from memory when it was read in the last few seconds: every
 * SCIM and GraphQL request authenticates, and the row read would otherwise be a statement per
 * request. Only rows are cached, never a verdict: the caller still checks the presented secret
 * (constant time), revocation, expiry and the organization's SCIM switch on every request.
 */
export async function cachedCredential<T extends CredentialRecord>(
  kind: "api_key" | "scim_token", id: string, load: () => Promise<T | null>, now = Date.now(),
): Promise<T | null> {
  const key = `${kind}:${id}`;
  const entry = entries.get(key);
  if (entry && now - entry.loadedAt < CREDENTIAL_CACHE_TTL_MS) return entry.record as T;
  const readInGeneration = generation;
  const record = await load();
  // Unknown ids are not remembered: anyone can make up ids, and an entry each would be a leak.
  if (record && readInGeneration === generation) {
    if (entries.size >= CAPACITY) entries.clear();
    entries.set(key, { record, loadedAt: now });
  } else {
    entries.delete(key);
  }
  return record;
}

/** Drops every cached credential: called after any command that revokes or disables one. */
export function forgetCredentials(): void {
  generation += 1;
  entries.clear();
}
