import type { LoadResult } from "./load";
import { checksTable, n, pct, runHeader, type Check, type RunInfo } from "./report";
import type { MillionSizes } from "./sizes";

/** One step of the million-user bench: the directory grown to `users`, then measured. */
export interface MillionStep {
  users: number;
  memberships: number;
  /** Seconds the growth to this step took: seeding (set-up, not measured work), shown so a slow seed is seen. */
  seedSeconds: number;
  lookup: LoadResult;
  get: LoadResult;
  canBatch: LoadResult & { checksPerSecond: number };
  /** The server's VmRSS after the step's measurements, and its VmHWM (the peak over its life so far). */
  rssMB: number;
  peakRssMB: number;
}

/** Everything one million-user run measured; written to bench/results/<date>-<db>-1m.json. */
export interface MillionResults extends RunInfo {
  sizes: MillionSizes;
  groups: number;
  steps: MillionStep[];
}

/** The three scenarios measured at every step, and the rate each is compared by. */
const SCENARIOS: Array<{ name: string; rate: (step: MillionStep) => number }> = [
  { name: "scim.lookup", rate: (step) => step.lookup.rps },
  { name: "scim.get", rate: (step) => step.get.rps },
  { name: "graph.can batch", rate: (step) => step.canBatch.checksPerSecond },
];

/**
 * RSS flat from 100,000 to 1,000,000 users: the peak at the last step at most 10% above the peak
 * at the step before it, plus 20 MB for what a heap's growth and collection leave at any moment
 * (peaks of one server measured minutes apart vary by about that much with nothing changed).
 * The peak (VmHWM) rather than the RSS of the moment, so a spike during the measurements counts.
 */
const rssIsFlat = (before: number, after: number) => after <= 1.1 * before + 20;

/** Issue 13, a million users: each scenario at the last step ≥ 90% of its rate at the first; RSS flat; peak < 300 MB. */
export function evaluateMillion(r: MillionResults): Check[] {
  const first = r.steps[0];
  const last = r.steps[r.steps.length - 1];
  const before = r.steps[r.steps.length - 2];
  return [
    ...SCENARIOS.map(({ name, rate }) => {
      const ratio = rate(last) / rate(first);
      return { name: `${name} at ${n(last.users)} vs ${n(first.users)} users`, actual: pct(ratio), target: "≥ 90%", pass: ratio >= 0.9 };
    }),
    {
      name: `server peak RSS at ${n(last.users)} vs ${n(before.users)} users`,
      actual: `${last.peakRssMB} MB vs ${before.peakRssMB} MB`,
      target: "≤ 110% + 20 MB",
      pass: rssIsFlat(before.peakRssMB, last.peakRssMB),
    },
    { name: "server peak RSS", actual: `${last.peakRssMB} MB`, target: "< 300 MB", pass: last.peakRssMB < 300 },
  ];
}

/** The Markdown the million-user bench prints and the README carries. */
export function renderMillion(r: MillionResults): string {
  const load = (x: LoadResult) => `${n(x.rps)} req/s, ${x.p50} / ${x.p99} ms`;
  const { tree } = r.sizes;
  return [
    `${runHeader(r)} One directory grown in steps, served by one server process throughout: ${n(r.groups)} groups (${tree.top} × ${tree.midPerTop} × ${tree.leafPerMid}, roles bound as in the directory bench) `
      + `from the start, each user in ${r.sizes.groupsPerUser} of them. At each step ${r.sizes.warmUpSeconds} s of warm-up, then ${r.sizes.seconds} s measured per scenario, 16 connections.`,
    "",
    "| users | memberships | growth | scim.lookup (`userName eq`) | scim.get (`/Users/{id}`) | graph.can batch of 100 | server RSS / peak |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...r.steps.map((step) => `| ${n(step.users)} | ${n(step.memberships)} | ${step.seedSeconds.toFixed(0)} s | ${load(step.lookup)} | ${load(step.get)} | `
      + `${n(step.canBatch.checksPerSecond)} checks/s, ${step.canBatch.p50} / ${step.canBatch.p99} ms | ${step.rssMB} / ${step.peakRssMB} MB |`),
    "",
    ...checksTable(evaluateMillion(r)),
  ].join("\n");
}
