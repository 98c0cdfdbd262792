import type { MikroORM } from "@mikro-orm/core";
import { migrateToLatest, openOrm } from "../../src/store/orm";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "../helpers/database";
import { startTestServer, type TestServer } from "../helpers/server";

describe(`health and readiness (${testDatabaseKind()})`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("/healthz and /readyz answer without credentials, and say nothing but their state", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
  });

  it("/readyz answers 503 while the database's schema is older than the code's latest migration", async () => {
    const em = server.built.orm.em.fork();
    const [latest] = (await em.getConnection().execute(`select id, name from mikro_orm_migrations order by id desc limit 1`)) as Array<{ id: number; name: string }>;
    // As if the newest migration had not run yet (its row only: the schema stays as it is).
    await em.getConnection().execute(`delete from mikro_orm_migrations where id = ?`, [latest.id]);
    try {
      const ready = await fetch(`${server.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([503, { status: "unavailable" }]);
    } finally {
      await em.getConnection().execute(`insert into mikro_orm_migrations (name, executed_at) values (?, ?)`, [latest.name, new Date()]);
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe(`a fleet starting at once on an outdated database (${testDatabaseKind()})`, () => {
  let database: TestDatabase;
  const orms: MikroORM[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const orm of orms) await orm.close(true);
    await database.dispose();
  });

  it("applies each migration exactly once, however many processes migrate together", async () => {
    for (let i = 0; i < 4; i += 1) orms.push(await openOrm(database.config));
    const applied = await Promise.all(orms.map((orm) => migrateToLatest(orm)));
    const all = applied.flat();
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all).size).toBe(all.length);
    expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
    expect(await orms[0].getMigrator().getPendingMigrations()).toEqual([]);
  });
});
