import { testDatabaseKind } from "../helpers/database";
import { q, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * An organization created since PostgreSQL last analysed "user" is, to a custom plan, a one-row
 * organization: its `userName eq` lookup then tied two indexes and read every user of the
 * organization through (organization, externalId), filtering on userName — an IdP's first sync
 * into a new organization grew quadratically. The store's sessions use generic plans
 * (store/orm.ts), which estimate an organization by the average and probe the unique index.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("a lookup in an organization newer than the statistics (PostgreSQL plan)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("probes the unique (organization, userName) index with a prepared statement's plan", async () => {
    const connection = server.built.orm.em.fork().getConnection();
    const insertUsers = (organizationId: string, prefix: string, count: number) => connection.execute(
      `insert into "user" (id, organization_id, user_name, user_name_key, external_id, emails, phone_numbers, addresses, photos, ims, roles, entitlements, x509certificates, created_at, updated_at)
       select ? || i, ?, ? || i || '@example.test', ? || i || '@example.test', null, '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]', now(), now() from generate_series(1, ${count}) i`,
      [`${prefix}-`, organizationId, prefix, prefix]);
    // An analysed organization of 30,000 users without externalId: the unique (organization,
    // userName) index is then many times the size of the deduplicated (organization, externalId)
    // one, and for a one-row organization the smaller index looked cheaper.
    const older = await scimTenant(server, "Analysed");
    await insertUsers(older.organizationId, "an-older-organization-user", 30_000);
    await connection.execute(`analyze "user"`);
    const { organizationId, scim } = await scimTenant(server, "Newer than the statistics");
    await insertUsers(organizationId, "new", 2_000);

    let found: unknown[] = [];
    const statements = await server.captureQueries(async () => {
      found = (await scim("GET", `/Users?filter=${q('userName eq "NEW1500@example.test"')}`)).body.Resources;
    });
    expect(found).toHaveLength(1);
    const [lookup] = statements.filter((sql) => sql.includes("user_name_key ="));
    const sql = lookup.replace(/ \[took .*$/s, "");

    // The plan this statement gets as a prepared statement on one of the store's sessions.
    const plan = await server.built.orm.em.fork().transactional(async (tx) => {
      const run = (text: string) => tx.getConnection().execute(text, [], "all", tx.getTransactionContext()) as Promise<Array<Record<string, string>>>;
      const [{ plan_cache_mode }] = await run("select current_setting('plan_cache_mode') as plan_cache_mode");
      let n = 0;
      await run(`prepare lookup as ${sql.replace(/\?/g, () => `$${++n}`)}`);
      const rows = await run(`explain execute lookup('${organizationId}', 'new1500@example.test', 100, 0)`);
      await run("deallocate lookup");
      return { plan_cache_mode, text: rows.map((r) => r["QUERY PLAN"]).join("\n") };
    });
    expect(plan.plan_cache_mode).toBe("force_generic_plan");
    expect(plan.text).toMatch(/Index Scan using user_org_user_name_key_unique/);
  });
});
