import { forgetPrepared, isStalePreparedPlan, numberedPlaceholders, preparedQuery, type PgClient } from "../../src/store/postgres/prepared-statements";

const client = () => ({ query: async () => ({ rows: [] }) }) as unknown as PgClient;

describe("PostgreSQL prepared reads (store/postgres/prepared-statements.ts)", () => {
  it("numbers `?` placeholders in order", () => {
    expect(numberedPlaceholders(`select * from "user" where organization_id = ? and user_name_key = ? limit ?`))
      .toBe(`select * from "user" where organization_id = $1 and user_name_key = $2 limit $3`);
    expect(numberedPlaceholders(`select jsonb_array_elements_text(?::jsonb)`)).toBe(`select jsonb_array_elements_text($1::jsonb)`);
  });

  it("names a statement by its text, the same name on every call, another for another text", () => {
    const pg = client();
    const first = preparedQuery(pg, "select 1 where ? = ?", [1, 1]);
    expect(first).toEqual({ name: expect.stringMatching(/^idgraph_[0-9a-f]{24}$/), text: "select 1 where $1 = $2", values: [1, 1] });
    expect(preparedQuery(pg, "select 1 where ? = ?", [2, 3]).name).toBe(first.name);
    expect(preparedQuery(pg, "select 2 where ? = ?", [1, 1]).name).not.toBe(first.name);
  });

  it("prepares at most 256 shapes per connection; later shapes run unnamed, earlier ones stay prepared", () => {
    const pg = client();
    const names = Array.from({ length: 256 }, (_, i) => preparedQuery(pg, `select ${i} where ? = 1`, [1]).name);
    expect(names.every(Boolean)).toBe(true);
    expect(preparedQuery(pg, "select 'one shape too many' where ? = 1", [1])).toEqual({ text: "select 'one shape too many' where $1 = 1", values: [1] });
    expect(preparedQuery(pg, "select 0 where ? = 1", [1]).name).toBe(names[0]);
    // Each connection counts its own.
    expect(preparedQuery(client(), "select 'one shape too many' where ? = 1", [1]).name).toBeDefined();
  });

  it("after a stale plan, prepares every shape again under a new name on that connection only", () => {
    const pg = client();
    const other = client();
    const before = preparedQuery(pg, "select * from t where id = ?", [1]).name;
    const otherBefore = preparedQuery(other, "select * from t where id = ?", [1]).name;
    expect(isStalePreparedPlan(Object.assign(new Error("cached plan must not change result type"), { code: "0A000" }))).toBe(true);
    expect(isStalePreparedPlan(Object.assign(new Error("cached plan must not change result type"), { code: "42P01" }))).toBe(false);
    forgetPrepared(pg);
    const after = preparedQuery(pg, "select * from t where id = ?", [1]).name;
    expect(after).toBe(`${before}_1`);
    expect(preparedQuery(other, "select * from t where id = ?", [1]).name).toBe(otherBefore);
  });
});
