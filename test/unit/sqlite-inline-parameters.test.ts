import sqlite3 from "sqlite3";
import { inlineParameters, sqliteLiteral } from "../../src/store/sqlite/inline-parameters";

/** Runs `sql` on a fresh in-memory database and returns the rows of its last statement. */
function query(setup: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const db = new sqlite3.Database(":memory:");
  return new Promise((resolve, reject) => db.exec(setup, (error) => {
    if (error) return reject(error);
    db.all(sql, (e, rows: Array<Record<string, unknown>>) => db.close(() => (e ? reject(e) : resolve(rows))));
  }));
}

describe("inlineParameters", () => {
  const hostile = [
    "it's", `"quoted"`, "'); drop table t; --", "a\u0000b", "?", "Zoë 名前 🙂", "", "x'00'", "line\nbreak", "\\",
  ];

  it.each(hostile)("stores %j as exactly that text, and only as a value", async (value) => {
    const insert = inlineParameters(`insert into t (id, v) values (?, ?)`, [1, value]);
    const rows = await query(`create table t (id integer primary key, v text); ${insert}`, `select v, typeof(v) as kind, (select count(*) from t) as n from t`);
    expect(rows).toEqual([{ v: value, kind: "text", n: 1 }]);
  });

  it("writes numbers, null, booleans and bytes as sqlite3 binds them", async () => {
    const insert = inlineParameters(`insert into t values (?, ?, ?, ?, ?, ?)`, [42, 1.5, 1764558000000, null, true, Buffer.from([0, 255])]);
    const rows = await query(`create table t (a, b, c, d, e, f); ${insert}`,
      `select typeof(a) as a, typeof(b) as b, c, typeof(d) as d, e, hex(f) as f from t`);
    expect(rows).toEqual([{ a: "integer", b: "real", c: 1764558000000, d: "null", e: 1, f: "00FF" }]);
  });

  it("leaves question marks inside quoted text and identifiers alone", () => {
    expect(inlineParameters(`select '?' as "a?", ? as b`, [7])).toBe(`select '?' as "a?", 7 as b`);
    expect(inlineParameters(`select 'it''s ?', ?`, ["x"])).toBe(`select 'it''s ?', cast(x'78' as text)`);
  });

  it("refuses a parameter count that does not match the placeholders", () => {
    expect(() => inlineParameters(`select ?, ?`, [1])).toThrow(/more placeholders/);
    expect(() => inlineParameters(`select ?`, [1, 2])).toThrow(/1 placeholders for 2 parameters/);
  });

  it("refuses values that have no literal", () => {
    expect(() => sqliteLiteral(Number.NaN)).toThrow(/no SQLite literal/);
    expect(() => sqliteLiteral(Number.POSITIVE_INFINITY)).toThrow(/no SQLite literal/);
    expect(() => sqliteLiteral({})).toThrow(/object has no SQLite literal/);
  });
});
