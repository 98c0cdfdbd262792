import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { CLI_ACTOR } from "../../src/domain/actor";
import { auditEvent } from "../../src/domain/audit";
import { storeOf } from "../../src/domain/ports/store";
import { AuditEvent, Organization, User } from "../../src/store/entities";
import { SqliteWriterBusy, SyncSqliteWriter } from "../../src/store/sqlite/sync-writer";
import { WalCheckpointer } from "../../src/store/sqlite/wal-checkpoints";
import { testDatabaseKind } from "../helpers/database";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

const sqliteOnly = testDatabaseKind() === "sqlite" ? describe : describe.skip;

/** Where a logged statement ran: MikroORM's log names the connection. */
const viaSyncWriter = (statement: string) => statement.includes("'sync'");

sqliteOnly("SQLite's synchronous writer, in the server", () => {
  let server: TestServer;
  let org: string;

  beforeAll(async () => {
    server = await startTestServer();
    org = await fixtures(server).organization("Acme");
  });
  afterAll(async () => server.close());

  function userCommand(userName: string): object[] {
    const em = server.built.orm.em.fork();
    const user = Object.assign(new User(), { organization: em.getReference(Organization, org), userName, userNameKey: userName.toLowerCase() });
    return [user, auditEvent(CLI_ACTOR, { type: "user.create", organizationId: org, targetType: "user", targetId: user.id, data: { userName } })];
  }
  const insert = (entities: object[]) => storeOf(server.built.orm.em).insertAll(server.built.orm.em.fork(), entities);
  const exists = async (userName: string) => (await server.built.orm.em.fork().count(User, { userName })) === 1;

  /** Another process's connection, holding the file's write lock for `ms`. */
  function holdWriteLock(ms: number): Promise<void> {
    const other = new Database(server.database.url);
    other.exec("begin immediate");
    return new Promise((resolve) => setTimeout(() => {
      other.exec("commit");
      other.close();
      resolve();
    }, ms));
  }

  it("writes a group-committed create on the synchronous writer", async () => {
    const statements = await server.captureQueries(() => insert(userCommand("sync@acme.test")));
    const transaction = statements.filter((s) => /^(begin immediate|insert into|commit)/.test(s));
    expect(transaction.map((s) => s.split(" ")[0])).toEqual(["begin", "insert", "insert", "commit"]);
    expect(transaction.every(viaSyncWriter)).toBe(true);
    expect(await exists("sync@acme.test")).toBe(true);
  });

  it("waits a moment for another process's write lock, then still writes synchronously", async () => {
    const released = holdWriteLock(3);
    const statements = await server.captureQueries(() => insert(userCommand("waited@acme.test")));
    await released;
    expect(statements.filter((s) => s.startsWith("commit")).every(viaSyncWriter)).toBe(true);
    expect(await exists("waited@acme.test")).toBe(true);
  });

  it("writes through MikroORM's connection when another process keeps the lock, once it lets go", async () => {
    const released = holdWriteLock(300);
    const statements = await server.captureQueries(() => insert(userCommand("fallback@acme.test")));
    await released;
    const commits = statements.filter((s) => s.startsWith("commit"));
    expect(commits).toHaveLength(1);
    expect(viaSyncWriter(commits[0])).toBe(false);
    expect(await exists("fallback@acme.test")).toBe(true);
  });

  it("runs a statement transaction's statements on it, all committed or all rolled back", async () => {
    await insert(userCommand("kept@acme.test"));
    const events = () => server.built.orm.em.fork().count(AuditEvent, { organizationId: org });
    const before = await events();
    expect(before).toBeGreaterThan(0);
    const em = server.built.orm.em.fork();
    const prune = (tx: typeof em) => storeOf(tx).events.pruneBefore(tx, new Date(Date.now() + 60_000), 10_000);

    const statements = await server.captureQueries(() =>
      expect(storeOf(em).statementTransaction(em, async (tx) => {
        expect(await prune(tx)).toBeGreaterThanOrEqual(before);
        throw new Error("changed my mind");
      })).rejects.toThrow("changed my mind"));
    expect(statements.filter((s) => /^(begin|delete|rollback)/.test(s)).every(viaSyncWriter)).toBe(true);
    expect(statements.some((s) => s.startsWith("rollback"))).toBe(true);
    expect(await events()).toBe(before);

    await storeOf(em).statementTransaction(em, prune);
    expect(await events()).toBe(0);
  });
});

describe("SyncSqliteWriter", () => {
  let dir: string;
  let path: string;
  let checkpoints: WalCheckpointer;
  let writer: SyncSqliteWriter;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "idgraph-sync-writer-"));
    path = join(dir, "file.sqlite");
    const setup = new Database(path);
    setup.pragma("journal_mode = WAL");
    setup.exec("create table t (id integer primary key, flag integer, at integer, note text, body text)");
    setup.close();
    checkpoints = new WalCheckpointer(path);
    writer = new SyncSqliteWriter(path, () => undefined, checkpoints);
  });
  afterEach(async () => {
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("binds booleans, Dates and undefined as node-sqlite3 does", () => {
    writer.begin();
    writer.run("insert into t (flag, at, note) values (?, ?, ?)", [true, new Date(1_700_000_000_000), undefined]);
    writer.commit();
    writer.begin();
    expect(writer.run("select flag, at, note from t", [])).toEqual([{ flag: 1, at: 1_700_000_000_000, note: null }]);
    writer.rollback();
  });

  it("says the file is busy at once instead of waiting on the serving thread", () => {
    const other = new Database(path);
    other.exec("begin immediate");
    try {
      const started = Date.now();
      expect(() => writer.begin()).toThrow(SqliteWriterBusy);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      other.exec("rollback");
      other.close();
    }
    writer.begin();
    writer.rollback();
  });

  it("never checkpoints on the serving thread: the checkpointer copies the WAL into the file, on the thread pool", async () => {
    const fileSize = () => statSync(path).size;
    const empty = fileSize();
    const afterCommits: number[] = [];
    const quiet = new SyncSqliteWriter(path, () => undefined, { afterCommit: () => afterCommits.push(1), close: async () => undefined } as unknown as WalCheckpointer);
    for (let i = 0; i < 120; i += 1) {
      quiet.begin();
      quiet.run("insert into t (body) values (?)", ["x".repeat(50_000)]);
      quiet.commit();
    }
    // ~6 MB, past SQLite's automatic checkpoint at 1,000 pages, and none of it in the file yet.
    expect(afterCommits).toHaveLength(120);
    expect(fileSize()).toBe(empty);
    checkpoints.afterCommit();
    await checkpoints.close();
    expect(fileSize()).toBeGreaterThan(6_000_000);
    // Closed last: SQLite checkpoints when the last connection to a file closes.
    await quiet.close();
  });
});
