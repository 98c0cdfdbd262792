import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
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
const via = (name: string) => (statement: string) => statement.includes(`'${name}'`);
const viaSyncWriter = via("sync");
const viaWriterThread = via("writer-thread");

sqliteOnly("SQLite's writer thread and synchronous writer, in the server", () => {
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

  /** How late a 10 ms timer fires while `work` runs: the serving thread's stall. */
  async function stallDuring(work: Promise<unknown>): Promise<number> {
    let worst = 0;
    const state = { done: false };
    const probe = (async () => {
      while (!state.done) {
        const started = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 10));
        worst = Math.max(worst, Date.now() - started - 10);
      }
    })();
    await work;
    state.done = true;
    await probe;
    return worst;
  }

  it("writes a group-committed create on the writer thread", async () => {
    const statements = await server.captureQueries(() => insert(userCommand("thread@acme.test")));
    const transaction = statements.filter((s) => /^(begin immediate|insert into|commit)/.test(s));
    expect(transaction.map((s) => s.split(" ")[0])).toEqual(["begin", "insert", "insert", "commit"]);
    expect(transaction.every(viaWriterThread)).toBe(true);
    expect(await exists("thread@acme.test")).toBe(true);
  });

  it("waits for another process's write lock on the writer thread, not on the serving thread", async () => {
    const released = holdWriteLock(300);
    const started = Date.now();
    const stall = await stallDuring(insert(userCommand("waited@acme.test")));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(stall).toBeLessThan(150);
    await released;
    expect(await exists("waited@acme.test")).toBe(true);
  });

  it("reports a unique violation on the writer thread as MikroORM's", async () => {
    await insert(userCommand("twice@acme.test"));
    await expect(insert(userCommand("twice@acme.test"))).rejects.toBeInstanceOf(UniqueConstraintViolationException);
  });

  it("writes a statement transaction through MikroORM's connection when another process keeps the lock", async () => {
    const released = holdWriteLock(300);
    const em = server.built.orm.em.fork();
    const statements = await server.captureQueries(() =>
      storeOf(em).statementTransaction(em, (tx) => storeOf(tx).events.pruneBefore(tx, new Date(0), 10)));
    await released;
    const deletes = statements.filter((s) => s.startsWith("delete"));
    expect(deletes.length).toBeGreaterThan(0);
    expect(deletes.some(viaSyncWriter)).toBe(false);
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
