import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { testDatabaseKind } from "../helpers/database";
import { scimTenant, type ScimCall } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";
import { openOrm } from "../../src/store/orm";

/**
 * A rolling deploy: a newer process migrates the database while older ones keep serving. The older
 * processes' reads are prepared statements (`select *` among them); when a table under them gains
 * a column, PostgreSQL refuses the old plans ("cached plan must not change result type") and the
 * store prepares them again (store/postgres/prepared-statements.ts); SQLite re-prepares by itself.
 */
describe(`reads prepared before another process's migration (${testDatabaseKind()})`, () => {
  let server: TestServer;
  let migrator: MikroORM;
  let scim: ScimCall;

  beforeAll(async () => {
    server = await startTestServer();
    // The "newer process": its own connections to the same database.
    migrator = await openOrm(server.database.config);
    ({ scim } = await scimTenant(server, "Rolling"));
  });
  afterAll(async () => {
    await migrator.close(true);
    await server.close();
  });

  it("keep answering after a column is added under them", async () => {
    const group = (await scim("POST", "/Groups", { displayName: "Prepared" })).body.id as string;
    const user = (await scim("POST", "/Users", { userName: "prepared@rolling.test" })).body.id as string;
    const readAll = () => Promise.all([
      ...Array.from({ length: 12 }, () => scim("GET", `/Groups/${group}`)),
      ...Array.from({ length: 12 }, () => scim("GET", `/Users/${user}`)),
      ...Array.from({ length: 12 }, () => scim("GET", `/Users?filter=${encodeURIComponent('userName eq "prepared@rolling.test"')}`)),
    ]);
    // In parallel, so the statements are prepared on several pooled connections.
    expect(new Set((await readAll()).map((r) => r.status))).toEqual(new Set([200]));
    const connection = (migrator.em.fork() as SqlEntityManager).getConnection();
    await connection.execute(`alter table "group" add column added_by_next_release text`);
    await connection.execute(`alter table "user" add column added_by_next_release text`);
    const after = await readAll();
    expect(after.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    expect(after[0].body.displayName).toBe("Prepared");
  });
});
