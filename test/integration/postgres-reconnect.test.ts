import { Client } from "pg";
import { testDatabaseKind } from "../helpers/database";
import { q, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * A PostgreSQL restart, a failover or an idle-session timeout ends the server's connections under
 * it. The store's readers (store/sql/readers.ts) and MikroORM's pool each notice a connection that
 * ended and open another before its next statement: requests after the cut are answered.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("connections PostgreSQL ended (PostgreSQL)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("are opened again, and the requests after the cut are answered", async () => {
    const { scim } = await scimTenant(server, "Reconnecting");
    const created = await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "ada@reconnect.test" });
    expect(created.status).toBe(201);
    // Every reader in use once, so each has a connection to lose.
    await Promise.all(Array.from({ length: 6 }, () => scim("GET", `/Users?filter=${q('userName eq "ada@reconnect.test"')}`)));

    const url = server.built.orm.config.get("clientUrl") as string;
    const admin = new Client({ connectionString: url });
    await admin.connect();
    const ended = await admin.query(
      "select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
    await admin.end();
    expect(ended.rows.length).toBeGreaterThanOrEqual(3);
    // The clients hear of it when PostgreSQL's notice arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const lookups = await Promise.all(Array.from({ length: 6 }, () => scim("GET", `/Users?filter=${q('userName eq "ada@reconnect.test"')}`)));
    expect(lookups.map((r) => `${r.status} ${r.body.totalResults}`)).toEqual(Array(6).fill("200 1"));
    const more = await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "grace@reconnect.test" });
    expect(more.status).toBe(201);
  });
});
