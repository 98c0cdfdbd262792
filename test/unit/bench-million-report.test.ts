import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadResult } from "../../bench/load";
import { evaluateMillion, renderMillion, type MillionResults, type MillionStep, type StepLoads } from "../../bench/million-report";
import { MILLION } from "../../bench/sizes";

const load = (rps: number): LoadResult => ({ rps, p50: 7, p99: 20, requests: rps * 10, errors: 0, non2xx: 0 });
const loads = (rps: number): StepLoads => ({ lookup: load(rps), get: load(rps + 500), canBatch: { ...load(rps / 10), checksPerSecond: rps * 10 } });
/** A step whose scenarios ran at `rps` while the reference directory's ran at 2,000 in the same minutes. */
const step = (users: number, rps: number, rssMB: number, peakRssMB: number): MillionStep => ({
  users,
  memberships: users * 3,
  seedSeconds: users / 2_000,
  ...loads(rps),
  reference: loads(2_000),
  rssMB,
  peakRssMB,
});
const run = (steps: MillionStep[]): MillionResults => ({
  date: "2026-12-01", db: "sqlite", database: "SQLite", mode: "full", machine: { cpus: 2, node: "v20.20.2" }, sizes: MILLION, groups: 10_000, steps,
});
const byName = (results: MillionResults) => Object.fromEntries(evaluateMillion(results).map((c) => [c.name, c]));

describe("the million-user bench's report", () => {
  it("compares each scenario at 1,000,000 users with the reference's 1,000 in the same minutes, and the peak RSS with 100,000", () => {
    const checks = byName(run([step(1_000, 2_000, 150, 160), step(100_000, 1_950, 200, 230), step(1_000_000, 1_900, 210, 250)]));
    expect(checks["scim.lookup at 1,000,000 vs 1,000 users"]).toMatchObject({ actual: "95%", pass: true });
    // 2,400 against the reference's 2,500.
    expect(checks["scim.get at 1,000,000 vs 1,000 users"]).toMatchObject({ actual: "96%", pass: true });
    expect(checks["graph.can batch at 1,000,000 vs 1,000 users"]).toMatchObject({ actual: "95%", pass: true });
    // 250 ≤ 1.1 × 230 + 20 = 273.
    expect(checks["server peak RSS at 1,000,000 vs 100,000 users"]).toMatchObject({ actual: "250 MB vs 230 MB", pass: true });
    expect(checks["server peak RSS"]).toMatchObject({ actual: "250 MB", pass: true });
  });

  it("fails a scenario that slows by more than a tenth, and an RSS that grows with the directory", () => {
    const checks = byName(run([step(1_000, 2_000, 150, 160), step(100_000, 1_900, 200, 200), step(1_000_000, 1_700, 240, 290)]));
    expect(checks["scim.lookup at 1,000,000 vs 1,000 users"]).toMatchObject({ actual: "85%", pass: false });
    // 290 > 1.1 × 200 + 20 = 240, though under 300 MB.
    expect(checks["server peak RSS at 1,000,000 vs 100,000 users"].pass).toBe(false);
    expect(checks["server peak RSS"].pass).toBe(true);
  });

  it("renders one row per step", () => {
    const markdown = renderMillion(run([step(1_000, 2_000, 150, 160), step(100_000, 1_950, 200, 230), step(1_000_000, 1_900, 210, 250)]));
    expect(markdown).toContain("10,000 groups (10 × 9 × 110");
    expect(markdown).toContain("| 1,000,000 | 3,000,000 | 500 s | 1,900 req/s, 7 / 20 ms (95%) | 2,400 req/s, 7 / 20 ms (96%) | 19,000 checks/s, 7 / 20 ms (95%) | 210 / 250 MB |");
  });
});

describe("the README's million-user tables", () => {
  const dir = join(__dirname, "..", "..", "bench", "results");
  it.each(["sqlite", "postgres"])("include the latest %s --size 1m run recorded in bench/results, as it rendered", (db) => {
    const latest = readdirSync(dir).filter((f) => new RegExp(`^\\d{4}-\\d{2}-\\d{2}-${db}-1m\\.json$`).test(f)).sort().pop();
    if (!latest) return; // no run of that database recorded yet: its markers stay empty
    const results = JSON.parse(readFileSync(join(dir, latest), "utf8")) as MillionResults;
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    expect(readme).toContain(`<!-- bench:${db}:1m:start -->\n${renderMillion(results)}\n<!-- bench:${db}:1m:end -->`);
  });
});
