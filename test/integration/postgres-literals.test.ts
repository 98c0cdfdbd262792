import { Client } from "pg";
import { postgresLiteral } from "../../src/store/postgres/literals";
import { inlineParameters } from "../../src/store/sql/inline-parameters";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "../helpers/database";

/**
 * PostgreSQL group commits send a transaction as one text with its values written in
 * (postgres/literals.ts): on a real server, each value must come back exactly, as a value only.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("PostgreSQL literals", () => {
  let database: TestDatabase;
  let pg: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    await pg.query(`create table t (id int primary key, v text, j jsonb, at timestamptz, b boolean, n bigint)`);
  });
  afterAll(async () => {
    await pg.end();
    await database.dispose();
  });

  const hostile = [
    "it's", `"quoted"`, "'); drop table t; --", "?", "Zoë 名前 🙂", "", "back\\slash", "\\'", "\\\\''", "E'\\x41'", "$$", "$v$", "line\nbreak\ttab", "\\u0041", "\\000",
  ];

  it.each(hostile.map((value, i) => [value, i]))("stores %j as exactly that text, and only as a value", async (value, id) => {
    await pg.query(inlineParameters(`insert into t (id, v) values (?, ?)`, [id, value], postgresLiteral));
    const { rows } = await pg.query(`select v from t where id = $1`, [id]);
    expect(rows).toEqual([{ v: value }]);
  });

  it("writes JSON, datetimes, booleans, big numbers and null into their columns' types", async () => {
    const at = new Date("2026-12-01T10:20:30.456Z");
    const json = JSON.stringify({ quote: "it's", slash: "\\", nested: { emoji: "🙂", list: [1, null] } });
    await pg.query(inlineParameters(`insert into t (id, v, j, at, b, n) values (?, ?, ?, ?, ?, ?)`, [1000, null, json, at, true, 9007199254740991], postgresLiteral));
    const { rows } = await pg.query(`select v, j, at, b, n::text as n from t where id = 1000`);
    expect(rows).toEqual([{ v: null, j: JSON.parse(json), at, b: true, n: "9007199254740991" }]);
  });

  it("runs a transaction sent as one text all or nothing", async () => {
    const text = ["begin", inlineParameters(`insert into t (id, v) values (?, ?)`, [2000, "first"], postgresLiteral),
      inlineParameters(`insert into t (id, v) values (?, ?)`, [2000, "duplicate"], postgresLiteral), "commit"].join(";\n");
    await expect(pg.query(text)).rejects.toMatchObject({ code: "23505" });
    await pg.query("rollback");
    expect((await pg.query(`select count(*)::int as n from t where id = 2000`)).rows).toEqual([{ n: 0 }]);
  });

  it("refuses what PostgreSQL text cannot hold or has no literal", () => {
    expect(() => postgresLiteral("a\u0000b")).toThrow(/NUL/);
    expect(() => postgresLiteral(Number.NaN)).toThrow(/no PostgreSQL literal/);
    expect(() => postgresLiteral(new Date(Number.NaN))).toThrow(/invalid Date/);
    expect(() => postgresLiteral({})).toThrow(/object has no PostgreSQL literal/);
  });
});
