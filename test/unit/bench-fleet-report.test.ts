import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FleetResult } from "../../bench/fleet";
import { combineSpreadRounds, type SpreadLoadResult } from "../../bench/load";
import { evaluate, renderMarkdown, type BenchResults } from "../../bench/report";

/** A recorded full run, as `npm run bench` without --processes writes it. */
const recorded = (): BenchResults => {
  const results = JSON.parse(readFileSync(join(__dirname, "..", "..", "bench", "results", "2026-11-30-sqlite.json"), "utf8")) as BenchResults;
  delete results.scenarios.fleet;
  return results;
};

function run(rps: number, statuses: Record<string, number>, answersPerProcess: number[]): SpreadLoadResult {
  const requests = Object.values(statuses).reduce((a, b) => a + b, 0);
  const non2xx = Object.entries(statuses).filter(([status]) => !status.startsWith("2")).reduce((total, [, count]) => total + count, 0);
  return { rps, p50: 8, p99: 30, requests, errors: 0, non2xx, statuses, answersPerProcess };
}

/** Two processes that answered everything, as fast as one, and stored every user they created. */
function cleanFleet(): FleetResult {
  return {
    processes: 2,
    connections: 16,
    lookup: { one: run(2_000, { 200: 20_000 }, [20_000]), many: run(1_960, { 200: 19_600 }, [9_800, 9_800]) },
    create: { one: run(500, { 201: 6_000 }, [6_000]), many: run(480, { 201: 6_000 }, [3_000, 3_000]), stored: { one: 6_000, many: 6_000 } },
    canBatch: {
      one: run(160, { 200: 1_600 }, [1_600]),
      many: run(158, { 200: 1_580 }, [790, 790]),
      checksPerSecond: { one: 16_000, many: 15_800 },
    },
    peakRssMB: [190, 175],
  };
}

const withFleet = (fleet: FleetResult): BenchResults => {
  const results = recorded();
  return { ...results, sizes: { ...results.sizes, fleetRounds: 2, fleetCreates: 3_000 }, scenarios: { ...results.scenarios, fleet } };
};
const fleetCheck = (results: BenchResults, name: string) => {
  const check = evaluate(results).find((c) => c.name.startsWith(name));
  if (!check) throw new Error(`no check named ${name}`);
  return check;
};

describe("the bench report's fleet section", () => {
  it("is absent from a run without --processes: its table and checks render as recorded", () => {
    const markdown = renderMarkdown(recorded());
    expect(markdown).not.toMatch(/fleet/i);
    expect(evaluate(recorded()).some((c) => c.name.startsWith("fleet"))).toBe(false);
  });

  it("says that on 2 cores the point is no loss and no errors, and passes a fleet that lost nothing", () => {
    const results = withFleet(cleanFleet());
    const markdown = renderMarkdown(results);
    expect(markdown).toContain("On 2 cores the load generator and the servers share the cores, so the point is no loss and no errors, not a speed-up.");
    expect(markdown).toContain("| scim.lookup, 100,000 users | 2,000 req/s, 8 / 30 ms | 1,960 req/s, 8 / 30 ms | 98% | 0 / 0 |");
    expect(markdown).toContain("| graph.can batch of 100 | 16,000 checks/s, 8 / 30 ms | 15,800 checks/s, 8 / 30 ms | 99% | 0 / 0 |");
    expect(markdown).toContain("190 MB, 175 MB");
    const fleetChecks = evaluate(results).filter((c) => c.name.startsWith("fleet"));
    expect(fleetChecks.map((c) => [c.actual, c.pass])).toEqual([
      ["96% (scim.create)", true],
      ["0", true],
      ["6,000 vs 6,000 on 2 processes, 6,000 vs 6,000 on 1", true],
    ]);
  });

  it("fails on a 500 from either process, naming the scenario and the status", () => {
    const fleet = cleanFleet();
    fleet.create.many = run(470, { 201: 5_988, 500: 12 }, [3_000, 3_000]);
    fleet.create.stored.many = 5_988;
    const check = fleetCheck(withFleet(fleet), "fleet: errors");
    expect(check).toMatchObject({ pass: false, actual: "scim.create on 2: 500 × 12" });
    expect(renderMarkdown(withFleet(fleet))).toContain("| 0 / 500 × 12 |");
  });

  it("fails when a create answered 201 left no user behind", () => {
    const fleet = cleanFleet();
    fleet.create.stored.many = 5_999;
    expect(fleetCheck(withFleet(fleet), "fleet: users stored")).toMatchObject({ pass: false, actual: "5,999 vs 6,000 on 2 processes, 6,000 vs 6,000 on 1" });
  });

  it("fails when N processes serve less than 90% of what one did", () => {
    const fleet = cleanFleet();
    fleet.canBatch.many = run(120, { 200: 1_200 }, [600, 600]);
    expect(fleetCheck(withFleet(fleet), "fleet: 2 vs 1")).toMatchObject({ pass: false, actual: "75% (graph.can batch)" });
  });

  it("names PostgreSQL among what shares the cores on a PostgreSQL run", () => {
    const results = { ...withFleet(cleanFleet()), db: "postgres" as const };
    expect(renderMarkdown(results)).toContain("On 2 cores the load generator, the servers and PostgreSQL share the cores");
  });
});

describe("rounds of a spread load", () => {
  it("sum their statuses and each process's answers", () => {
    const combined = combineSpreadRounds([run(100, { 201: 500 }, [250, 250]), run(80, { 201: 497, 500: 3 }, [251, 249])]);
    expect(combined).toMatchObject({ rps: 90, requests: 1_000, non2xx: 3, statuses: { 201: 997, 500: 3 }, answersPerProcess: [501, 499] });
  });
});
