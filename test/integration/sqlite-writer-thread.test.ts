import type { Worker } from "node:worker_threads";
import { UniqueConstraintViolationException } from "@mikro-orm/core";
import sqlite3 from "sqlite3";
import { CLI_ACTOR } from "../../src/domain/actor";
import { auditEvent } from "../../src/domain/audit";
import { storeOf } from "../../src/domain/ports/store";
import { Organization, User } from "../../src/store/entities";
import type { IdgraphSqliteDriver } from "../../src/store/sqlite/driver";
import { testDatabaseKind } from "../helpers/database";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

const sqliteOnly = testDatabaseKind() === "sqlite" ? describe : describe.skip;

/** MikroORM's query log names the connection a statement ran on. */
const viaWriterThread = (statement: string) => statement.includes("'writer-thread'");

/** SQLite's group commits on a writer thread of their own (store/sqlite/threaded-writer.ts). */
sqliteOnly("SQLite's writer thread", () => {
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
  const exec = (db: sqlite3.Database, sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));

  /** Another connection (as another process's would), holding the file's write lock for `ms`. */
  async function holdWriteLock(ms: number): Promise<{ released: Promise<void> }> {
    const other = new sqlite3.Database(server.database.url);
    await exec(other, "begin immediate");
    // Wrapped: an async function's result that is itself a promise would be awaited with it.
    return {
      released: new Promise((resolve) => setTimeout(() => {
        void exec(other, "commit").then(() => other.close(() => resolve()));
      }, ms)),
    };
  }

  /** How late a 10 ms timer fires, at worst, while `work` runs: how long the serving thread stalled. */
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

  it("writes a group-committed create on the writer thread, in one transaction", async () => {
    const statements = await server.captureQueries(() => insert(userCommand("thread@acme.test")));
    const transaction = statements.filter((s) => /^(begin immediate|insert into|commit)/.test(s));
    expect(transaction.map((s) => s.split(" ")[0])).toEqual(["begin", "insert", "insert", "commit"]);
    expect(transaction.every(viaWriterThread)).toBe(true);
    expect(await exists("thread@acme.test")).toBe(true);
  });

  it("waits for another connection's write lock on the writer thread, not on the serving thread", async () => {
    const { released } = await holdWriteLock(300);
    const started = Date.now();
    const stall = await stallDuring(insert(userCommand("waited@acme.test")));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(stall).toBeLessThan(150);
    await released;
    expect(await exists("waited@acme.test")).toBe(true);
  });

  it("reports a unique violation as MikroORM's, and rolls the transaction back", async () => {
    await insert(userCommand("twice@acme.test"));
    const statements = await server.captureQueries(() =>
      expect(insert(userCommand("twice@acme.test"))).rejects.toBeInstanceOf(UniqueConstraintViolationException));
    expect(statements.some((s) => s.startsWith("rollback") && viaWriterThread(s))).toBe(true);
  });

  it("starts a new writer thread when its thread has died", async () => {
    const thread = (server.built.orm.em.getDriver() as IdgraphSqliteDriver).writerThread as unknown as { worker: Worker | null };
    await insert(userCommand("before@acme.test"));
    expect(thread.worker).not.toBeNull();
    await thread.worker?.terminate();
    await insert(userCommand("after@acme.test"));
    expect(await exists("after@acme.test")).toBe(true);
  });
});
