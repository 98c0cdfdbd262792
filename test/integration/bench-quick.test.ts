import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchResults } from "../../bench/report";
import { ensureBuilt } from "../helpers/build";
import { testDatabaseKind } from "../helpers/database";
import { renderMarkdown } from "../../bench/report";

/**
 * `npm run bench -- --quick` once, on the database of this run of the suite, so the benchmark
 * never rots: every scenario runs end to end against the real server. Speeds are not asserted here
 * (they belong to the bench and its --check); what must hold at any size is asserted: no N+1, every
 * request answered 2xx.
 */
describe(`npm run bench -- --quick --db ${testDatabaseKind()}`, () => {
  const out = mkdtempSync(join(tmpdir(), "idgraph-bench-quick-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("runs every scenario and writes a results file", () => {
    ensureBuilt();
    const db = testDatabaseKind();
    // On PostgreSQL the bench creates its databases on the server TEST_DATABASE_URL names.
    const args = ["dist/bench/run.js", "--quick", "--db", db, "--out", out];
    const output = execFileSync(process.execPath, args, { encoding: "utf8", timeout: 180_000 });
    expect(output).toMatch(/\| target \| measured \| wanted \|/);
    const [file] = readdirSync(out);
    expect(file).toMatch(new RegExp(`-${db}-quick\\.json$`));
    const results = JSON.parse(readFileSync(join(out, file), "utf8")) as BenchResults;
    expect(results.mode).toBe("quick");
    expect(results.db).toBe(db);
    expect(results.scenarios.graphList.statements).toBe(results.scenarios.graphList.statementsSmallPage);
    expect(results.scenarios.scimCreate.requests).toBeGreaterThan(0);
    expect(results.scenarios.scimSync.requests).toBeGreaterThan(results.sizes.syncUsers * 2);
    // Every create made while the endpoint was subscribed was delivered. autocannon stops counting
    // with requests still in flight (one per connection at most): those of the round before may
    // commit once the endpoint is on, those of its own round after the count.
    const hooks = results.scenarios.webhooks!;
    expect(hooks.createWith.requests).toBeGreaterThan(0);
    expect(hooks.delivered).toBeGreaterThanOrEqual(hooks.createWith.requests);
    expect(hooks.delivered).toBeLessThanOrEqual(hooks.createWith.requests + 2 * 16);
    // Every fan-out document was refused with a 400: graphLimits throws on any other status.
    expect(results.scenarios.graphLimits?.requests).toBe(results.sizes.limitsRequests);
    expect(output).toMatch(/\| graph\.limits: 2\^29-spread fragment document refused \(400\)/);
    // The access questions ran, and their answers held: the bench checks each page against `can`
    // and whereCan's count against the seed before timing anything, and throws when one does not.
    const access = results.scenarios.access!;
    expect(access.whoCan.holders).toBeGreaterThan(0);
    expect(access.whoCan.holders).toBeLessThanOrEqual(access.whoCan.users);
    expect(access.whoCan.page.requests).toBeGreaterThan(0);
    expect(access.whoCan.count.requests).toBeGreaterThanOrEqual(5);
    expect(access.whereCan.accountsWithPermission).toBeGreaterThan(0);
    expect(access.whereCan.accounts).toBe(results.sizes.whereCanAccounts);
    expect(access.whereCan.page.requests).toBeGreaterThan(0);
    // Every seeded user has a role on every account (its top group's, bound organization-wide).
    expect(access.export.small.rows).toBeGreaterThanOrEqual(access.export.small.users * 5);
    expect(access.export.big.rows).toBeGreaterThan(access.export.small.rows);
    expect(output).toMatch(/\| access review export \(JSON lines\)/);
  }, 240_000);
});

describe("the README's bench tables", () => {
  const dir = join(__dirname, "..", "..", "bench", "results");
  /** The latest full run of one database in bench/results, if it has one. */
  const latestResults = (db: string): BenchResults | undefined => {
    const latest = readdirSync(dir).filter((f) => new RegExp(`^\\d{4}-\\d{2}-\\d{2}-${db}\\.json$`).test(f)).sort().pop();
    return latest ? (JSON.parse(readFileSync(join(dir, latest), "utf8")) as BenchResults) : undefined;
  };
  const readme = () => readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

  it("include the table of the latest full SQLite run recorded in bench/results", () => {
    const results = latestResults("sqlite");
    expect(results).toBeDefined();
    expect(readme()).toContain(renderMarkdown(results as BenchResults));
  });

  // PostgreSQL has a table once a full run on it has been recorded.
  const postgres = latestResults("postgres");
  (postgres ? it : it.skip)("include the table of the latest full PostgreSQL run recorded in bench/results", () => {
    expect(readme()).toContain(renderMarkdown(postgres as BenchResults));
  });
});
