import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BenchResults } from "../../bench/report";
import { ensureBuilt } from "../helpers/build";
import { renderMarkdown } from "../../bench/report";

/**
 * `npm run bench -- --quick` once, so the benchmark never rots: every scenario runs end to end
 * against the real server. Speeds are not asserted here (they belong to the bench and its
 * --check); what must hold at any size is asserted: no N+1, every request answered 2xx.
 */
describe("npm run bench -- --quick", () => {
  const out = mkdtempSync(join(tmpdir(), "idgraph-bench-quick-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("runs every scenario and writes a results file", () => {
    ensureBuilt();
    const output = execFileSync(process.execPath, ["dist/bench/run.js", "--quick", "--out", out], { encoding: "utf8", timeout: 180_000 });
    expect(output).toMatch(/\| target \| measured \| wanted \|/);
    const [file] = readdirSync(out);
    const results = JSON.parse(readFileSync(join(out, file), "utf8")) as BenchResults;
    expect(results.mode).toBe("quick");
    expect(results.scenarios.graphList.statements).toBe(results.scenarios.graphList.statementsSmallPage);
    expect(results.scenarios.scimCreate.requests).toBeGreaterThan(0);
    expect(results.scenarios.scimSync.requests).toBeGreaterThan(results.sizes.syncUsers * 2);
    // Every fan-out document was refused with a 400: graphLimits throws on any other status.
    expect(results.scenarios.graphLimits?.requests).toBe(results.sizes.limitsRequests);
    expect(output).toMatch(/\| graph\.limits: 2\^29-spread fragment document refused \(400\)/);
  }, 240_000);
});

describe("the README's bench table", () => {
  it("is the table of the latest full run recorded in bench/results", () => {
    const dir = join(__dirname, "..", "..", "bench", "results");
    const latest = readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}-sqlite\.json$/.test(f)).sort().pop();
    expect(latest).toBeDefined();
    const results = JSON.parse(readFileSync(join(dir, latest as string), "utf8")) as BenchResults;
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    expect(readme).toContain(renderMarkdown(results));
  });
});
