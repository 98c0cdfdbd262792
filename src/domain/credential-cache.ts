import type { EntityManager } from "@mikro-orm/core";
import type { CredentialRecord } from "./ports/records";

/**
 * How long another process's revocation can go unseen here. Revocations in this process are
 * seen at once (forget); this bounds the case of several servers on one database.
 */
export const CREDENTIAL_CACHE_TTL_MS = 5_000;
/** Live credentials are few; the bound only stops a flood of distinct valid ids growing memory. */
const CAPACITY = 10_000;

interface Entry {
  record: CredentialRecord;
  loadedAt: number;
}

/**
 * Credential rows read in the last few seconds: every SCIM and GraphQL request authenticates,
 * and the row read would otherwise be a statement per request. Only rows are cached, never a
 * verdict: the caller still checks the presented secret (constant time), revocation, expiry and
 * the organization's SCIM switch on every request.
 */
export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped on every forget, so a read that raced a revocation is not cached afterwards. */
  private generation = 0;

  /** `now` is the caller's clock reading in milliseconds (authenticate passes its Clock's). */
  async get<T extends CredentialRecord>(kind: "api_key" | "scim_token", id: string, load: () => Promise<T | null>, now: number): Promise<T | null> {
    const key = `${kind}:${id}`;
    const entry = this.entries.get(key);
    if (entry && now - entry.loadedAt < CREDENTIAL_CACHE_TTL_MS) return entry.record as T;
    const readInGeneration = this.generation;
    const record = await load();
    // Unknown ids are not remembered: anyone can make up ids, and an entry each would be a leak.
    if (record && readInGeneration === this.generation) {
      if (this.entries.size >= CAPACITY) this.entries.clear();
      this.entries.set(key, { record, loadedAt: now });
    } else {
      this.entries.delete(key);
    }
    return record;
  }

  /** Drops every cached row: called after any command that revokes or disables a credential. */
  forget(): void {
    this.generation += 1;
    this.entries.clear();
  }
}

/** One cache per database (per MikroORM instance), so servers sharing a process never mix rows. */
const caches = new WeakMap<object, CredentialCache>();

export function credentialCacheOf(em: EntityManager): CredentialCache {
  const database = em.getDriver();
  let cache = caches.get(database);
  if (!cache) caches.set(database, (cache = new CredentialCache()));
  return cache;
}
