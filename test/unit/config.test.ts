import { loadConfig, RATE_LIMIT_DEFAULTS, SHUTDOWN_TIMEOUT_DEFAULT_MS } from "../../src/config";
import { DEFAULT_POSTGRES_POOL_SIZE, ormConfig } from "../../src/store/orm";

const PG = "postgres://idgraph@db.internal:5432/idgraph";

describe("configuration from the environment (src/config.ts)", () => {
  it("defaults: SQLite file, limits as documented, metrics off, 25 s to shut down", () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: "sqlite", path: "data/idgraph.sqlite" });
    expect(config).toMatchObject({ ...RATE_LIMIT_DEFAULTS, metricsEnabled: false, metricsToken: null, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_DEFAULT_MS });
  });

  it("sizes the PostgreSQL pool from DATABASE_POOL_SIZE, 10 by default", () => {
    const sized = loadConfig({ DATABASE_URL: PG, DATABASE_POOL_SIZE: "40" }).database;
    expect(sized).toEqual({ kind: "postgres", url: PG, poolSize: 40 });
    // A third of the connections are the store's readers, the rest MikroORM's pool.
    expect(ormConfig(sized).pool?.max).toBe(27);
    expect(DEFAULT_POSTGRES_POOL_SIZE).toBe(10);
    expect(ormConfig(loadConfig({ DATABASE_URL: PG }).database).pool?.max).toBe(7);
    expect(ormConfig(loadConfig({ DATABASE_URL: PG, DATABASE_POOL_SIZE: "3" }).database).pool?.max).toBe(2);
    expect(() => loadConfig({ DATABASE_URL: PG, DATABASE_POOL_SIZE: "2" })).toThrow(/at least 3/);
    expect(() => loadConfig({ DATABASE_URL: PG, DATABASE_POOL_SIZE: "many" })).toThrow(/non-negative integer/);
  });

  it("reads switches as true/false (or 1/0) and refuses anything else", () => {
    expect(loadConfig({ METRICS_ENABLED: "true", METRICS_TOKEN: "scrape" })).toMatchObject({ metricsEnabled: true, metricsToken: "scrape" });
    expect(loadConfig({ METRICS_ENABLED: "0" }).metricsEnabled).toBe(false);
    expect(() => loadConfig({ METRICS_ENABLED: "yes please" })).toThrow(/METRICS_ENABLED must be true or false/);
  });

  it("takes rate limits and the shutdown bound as non-negative integers", () => {
    expect(loadConfig({ MEMBERSHIP_RATE_PER_SECOND: "20", MEMBERSHIP_BURST: "50", CREDENTIAL_RATE_PER_SECOND: "0", SHUTDOWN_TIMEOUT_MS: "5000" }))
      .toMatchObject({ membershipRatePerSecond: 20, membershipBurst: 50, credentialRatePerSecond: 0, shutdownTimeoutMs: 5000 });
    expect(() => loadConfig({ MEMBERSHIP_BURST: "-1" })).toThrow(/MEMBERSHIP_BURST/);
  });

  it("takes PUBLIC_URL as an absolute http(s) URL without a trailing slash, and none by default", () => {
    expect(loadConfig({}).publicUrl).toBeNull();
    expect(loadConfig({ PUBLIC_URL: "https://idgraph.example.com/" }).publicUrl).toBe("https://idgraph.example.com");
    expect(loadConfig({ PUBLIC_URL: "https://example.com/identity//" }).publicUrl).toBe("https://example.com/identity");
    for (const bad of ["idgraph.example.com", "ftp://example.com", "https://example.com/?x=1", "https://user:pw@example.com"]) {
      expect(() => loadConfig({ PUBLIC_URL: bad })).toThrow(/PUBLIC_URL/);
    }
  });
});
