import { CREDENTIAL_CACHE_TTL_MS, CredentialCache } from "../../src/domain/credential-cache";
import type { CredentialRecord } from "../../src/domain/ports/records";

const record = (id: string, revokedAt: Date | null = null): CredentialRecord =>
  ({ id, secretHash: "h", organizationId: "org", revokedAt, expiresAt: null, lastUsedAt: null });

/** A loader that counts its calls and answers what the "database" holds now. */
function database(initial: CredentialRecord | null) {
  const db = { row: initial, reads: 0 };
  const load = async () => {
    db.reads += 1;
    return db.row;
  };
  return { db, load };
}

const T0 = 1_000_000;

describe("credential cache", () => {
  let cache: CredentialCache;
  beforeEach(() => {
    cache = new CredentialCache();
  });
  const cachedCredential: CredentialCache["get"] = (...args) => cache.get(...args);
  const forgetCredentials = () => cache.forget();

  it("reads a credential's row once within the TTL and again after it", async () => {
    const { db, load } = database(record("a"));
    await cachedCredential("api_key", "a", load, T0);
    await cachedCredential("api_key", "a", load, T0 + CREDENTIAL_CACHE_TTL_MS - 1);
    expect(db.reads).toBe(1);
    db.row = record("a", new Date());
    // Another process revoked it: seen once the entry is older than the TTL.
    expect((await cachedCredential("api_key", "a", load, T0 + CREDENTIAL_CACHE_TTL_MS))?.revokedAt).not.toBeNull();
    expect(db.reads).toBe(2);
  });

  it("keeps API keys and SCIM tokens with the same id apart", async () => {
    const key = database(record("same"));
    const token = database({ ...record("same"), secretHash: "other" });
    await cachedCredential("api_key", "same", key.load, T0);
    expect((await cachedCredential("scim_token", "same", token.load, T0))?.secretHash).toBe("other");
  });

  it("never remembers an unknown id", async () => {
    const { db, load } = database(null);
    await cachedCredential("scim_token", "ghost", load, T0);
    await cachedCredential("scim_token", "ghost", load, T0);
    expect(db.reads).toBe(2);
  });

  it("reads again after forgetCredentials (a revocation in this process)", async () => {
    const { db, load } = database(record("b"));
    await cachedCredential("api_key", "b", load, T0);
    db.row = record("b", new Date());
    forgetCredentials();
    expect((await cachedCredential("api_key", "b", load, T0))?.revokedAt).not.toBeNull();
    expect(db.reads).toBe(2);
  });

  it("does not cache a row read while a revocation committed", async () => {
    const db = { row: record("c") as CredentialRecord | null, reads: 0 };
    const racing = async () => {
      db.reads += 1;
      const seen = db.row;
      // The revocation commits while this read is in flight: it read the row as it was before.
      db.row = record("c", new Date());
      forgetCredentials();
      return seen;
    };
    expect((await cachedCredential("api_key", "c", racing, T0))?.revokedAt).toBeNull();
    const { load } = { load: async () => { db.reads += 1; return db.row; } };
    expect((await cachedCredential("api_key", "c", load, T0))?.revokedAt).not.toBeNull();
    expect(db.reads).toBe(2);
  });
});
