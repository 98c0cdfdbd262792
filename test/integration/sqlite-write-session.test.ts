import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { SqliteWriterThread } from "../../src/store/sqlite/threaded-writer";
import { AuditEvent } from "../../src/store/entities";
import { testDatabaseKind } from "../helpers/database";
import { fixtures } from "../helpers/graph-fixtures";
import { scimTenantWithGroup } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const sqliteOnly = testDatabaseKind() === "sqlite" ? describe : describe.skip;

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const addMembers = (ids: string[]) => ({ schemas: [PATCH], Operations: [{ op: "add", path: "members", value: ids.map((value) => ({ value })) }] });
const viaWriterThread = (statement: string) => statement.includes("'writer-thread'");
const viaTransaction = (statement: string) => statement.includes("'transaction'");

/** Membership batches as write sessions on SQLite's writer thread (store/sql/write-session.ts). */
sqliteOnly("membership batches in a write session", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("writes a PATCH of a group no role is bound above in one session: reads and writes on the writer thread, between one BEGIN and one COMMIT", async () => {
    const { scim, userIds, groupId } = await scimTenantWithGroup(server, "session", 3);
    const statements = await server.captureQueries(async () => expect((await scim("PATCH", `/Groups/${groupId}`, addMembers(userIds))).status).toBe(204));
    const session = statements.filter(viaWriterThread).map((s) => s.replace(/\s+/g, " "));
    expect(session[0]).toMatch(/^begin immediate/);
    expect(session.at(-1)).toMatch(/^commit/);
    expect(session.filter((s) => s.startsWith("begin")).length).toBe(1);
    expect(session.some((s) => s.startsWith("insert into group_membership"))).toBe(true);
    expect(session.some((s) => s.startsWith('insert into "audit_event"'))).toBe(true);
    expect(session.some((s) => s.startsWith('update "group" set'))).toBe(true);
    expect(statements.some(viaTransaction)).toBe(false);

    const group = await scim("GET", `/Groups/${groupId}`);
    expect(group.body.members.map((m: { value: string }) => m.value).sort()).toEqual([...userIds].sort());
    const events = await server.built.orm.em.fork().find(AuditEvent, { targetId: groupId, type: "scim.idp_group.member_add" });
    expect(events.map((e) => e.data)).toEqual([{ userIds, groupIds: [] }]);
  });

  it("rolls the session back and runs a MikroORM transaction when a role is bound above the group, so access.changed is recorded", async () => {
    const { organizationId, scim, userIds, groupId } = await scimTenantWithGroup(server, "bound", 2);
    const f = fixtures(server);
    const parent = await f.group(organizationId, "Everyone");
    await f.nest(parent, groupId);
    await f.bind({ roleId: await f.role(organizationId, "viewer", ["docs.read"]), groupId: parent, organizationId });

    const statements = await server.captureQueries(async () => expect((await scim("PATCH", `/Groups/${groupId}`, addMembers(userIds))).status).toBe(204));
    expect(statements.filter(viaWriterThread).map((s) => s.split(" ")[0])).toContain("rollback");
    expect(statements.some((s) => viaTransaction(s) && s.startsWith("insert into group_membership"))).toBe(true);
    const changed = await server.built.orm.em.fork().find(AuditEvent, { type: "access.changed", targetId: { $in: userIds } });
    expect(changed.map((e) => e.targetId).sort()).toEqual([...userIds].sort());

    // The group's next batch goes straight to the MikroORM transaction: no session to roll back.
    const removal = { schemas: [PATCH], Operations: [{ op: "remove", path: `members[value eq "${userIds[0]}"]` }] };
    const next = await server.captureQueries(async () => expect((await scim("PATCH", `/Groups/${groupId}`, removal)).status).toBe(204));
    expect(next.some(viaWriterThread)).toBe(false);
    expect(next.some((s) => viaTransaction(s) && s.startsWith("delete from group_membership"))).toBe(true);
  });
});

sqliteOnly("a write session on the writer thread", () => {
  let dir: string;
  let path: string;
  let thread: SqliteWriterThread;
  const run = (db: sqlite3.Database, sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "idgraph-session-"));
    path = join(dir, "db.sqlite");
    const db = new sqlite3.Database(path);
    await run(db, "pragma journal_mode = wal; create table t (id integer primary key, v text)");
    await new Promise<void>((resolve) => db.close(() => resolve()));
    thread = new SqliteWriterThread(path, () => undefined, 300);
  });
  afterEach(async () => {
    await thread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async () => {
    const db = new sqlite3.Database(path);
    const rows = await new Promise<Array<{ n: number }>>((resolve, reject) => db.all("select count(*) as n from t", (e, r: Array<{ n: number }>) => (e ? reject(e) : resolve(r))));
    await new Promise<void>((resolve) => db.close(() => resolve()));
    return rows[0].n;
  };

  it("reads what it locked, then writes and commits", async () => {
    const session = thread.session();
    const [before, again] = await Promise.all([session.all("select count(*) as n from t", []), session.all("select ? as echo", ["it's"])]);
    expect(before).toEqual([{ n: 0 }]);
    expect(again).toEqual([{ echo: "it's" }]);
    await session.finish([{ sql: "insert into t (v) values (?), (?)", params: ["a", "b"] }]);
    expect(await count()).toBe(2);
  });

  it("writes nothing when finished with null, and takes the next transaction after it", async () => {
    const session = thread.session();
    const written = thread.transaction([{ sql: "insert into t (v) values (?)", params: ["after"] }]);
    await session.all("select 1", []);
    await session.finish(null);
    await written;
    expect(await count()).toBe(1);
  });

  it("fails a session whose read fails, rolled back, and answers the finish with the failure", async () => {
    const session = thread.session();
    await expect(session.all("select * from missing", [])).rejects.toThrow(/no such table/);
    await expect(session.finish([{ sql: "insert into t (v) values (?)", params: ["x"] }])).rejects.toThrow(/no such table/);
    expect(await count()).toBe(0);
  });

  it("rolls back a session that goes quiet, and lets go of the lock", async () => {
    const session = thread.session();
    await session.all("select 1", []);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expect(session.finish([{ sql: "insert into t (v) values (?)", params: ["late"] }])).rejects.toThrow(/no message for the write session/);
    await thread.transaction([{ sql: "insert into t (v) values (?)", params: ["next"] }]);
    expect(await count()).toBe(1);
  });
});
