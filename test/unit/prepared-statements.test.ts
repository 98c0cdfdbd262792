import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sqlite3 from "sqlite3";
import { PreparedStatements, type Sqlite3Connection } from "../../src/store/sqlite/prepared-statements";

/** A real in-memory SQLite connection, with prepare counted. */
function openConnection() {
  const db = new sqlite3.Database(":memory:");
  const counted = { prepares: 0 };
  const connection: Sqlite3Connection = {
    prepare: (sql, callback) => {
      counted.prepares += 1;
      return db.prepare(sql, callback) as never;
    },
  };
  return { db, connection, counted };
}

describe("prepared statements per connection", () => {
  let opened: ReturnType<typeof openConnection>;
  let statements: PreparedStatements;

  beforeEach(async () => {
    opened = openConnection();
    statements = new PreparedStatements(opened.connection);
    await statements.run("create table t (id integer primary key, v text unique)", []);
  });
  afterEach(() => new Promise<void>((resolve) => opened.db.close(() => resolve())));

  it("prepares a statement once and binds it afresh on every call", async () => {
    const before = opened.counted.prepares;
    for (const v of ["a", "b", "c"]) expect(await statements.run("insert into t (v) values (?)", [v])).toBe(1);
    expect(await statements.all("select v from t where v > ? order by v", ["a"])).toEqual([{ v: "b" }, { v: "c" }]);
    expect(await statements.all("select v from t where v > ? order by v", ["b"])).toEqual([{ v: "c" }]);
    expect(opened.counted.prepares - before).toBe(2);
  });

  it("rejects a constraint violation and keeps working with the same statement text", async () => {
    await statements.run("insert into t (v) values (?)", ["a"]);
    await expect(statements.run("insert into t (v) values (?)", ["a"])).rejects.toMatchObject({ code: "SQLITE_CONSTRAINT" });
    expect(await statements.run("insert into t (v) values (?)", ["b"])).toBe(1);
    expect(await statements.all("select count(*) as n from t", [])).toEqual([{ n: 2 }]);
  });

  it("rejects bad SQL every time instead of hanging", async () => {
    await expect(statements.all("selec nonsense", [])).rejects.toThrow(/syntax error/);
    await expect(statements.all("selec nonsense", [])).rejects.toThrow(/syntax error/);
  });

  it("evicts the least recently used statement beyond its capacity and still answers it", async () => {
    for (let i = 0; i < 300; i++) await statements.all(`select ${i} as n`, []);
    const before = opened.counted.prepares;
    expect(await statements.all("select 299 as n", [])).toEqual([{ n: 299 }]);
    expect(opened.counted.prepares).toBe(before);
    expect(await statements.all("select 0 as n", [])).toEqual([{ n: 0 }]);
    expect(opened.counted.prepares).toBe(before + 1);
  });

  it("never holds a read snapshot between calls: a cached statement sees what another connection committed since", async () => {
    const dir = mkdtempSync(join(tmpdir(), "idgraph-prepared-"));
    const file = join(dir, "wal.sqlite");
    const writer = new sqlite3.Database(file);
    const reader = new sqlite3.Database(file);
    const exec = (db: sqlite3.Database, sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
    try {
      await exec(writer, "pragma journal_mode = wal; create table t (v text)");
      const reads = new PreparedStatements(reader as unknown as Sqlite3Connection);
      const count = async () => (await reads.all("select count(*) as n from t where v like ?", ["%"]))[0].n;
      expect(await count()).toBe(0);
      await exec(writer, "insert into t values ('a')");
      expect(await count()).toBe(1);
    } finally {
      await new Promise((resolve) => reader.close(resolve));
      await new Promise((resolve) => writer.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
