import type { LoadResult } from "./load";
import { checksTable, n, pct, runHeader, type Check, type RunInfo } from "./report";
import type { MillionSizes } from "./sizes";

/** The three scenarios measured on one directory at one step. */
export interface StepLoads {
  lookup: LoadResult;
  get: LoadResult;
  canBatch: LoadResult & { checksPerSecond: number };
}

/** One step of the million-user bench: the directory grown to `users`, then measured. */
export interface MillionStep extends StepLoads {
  users: number;
  memberships: number;
  /** Seconds the growth to this step took: seeding (set-up, not measured work), shown so a slow seed is seen. */
  seedSeconds: number;
  /** The same on the reference directory (the first step's size), in rounds alternating with this step's. */
  reference: StepLoads;
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
const SCENARIOS: Array<{ name: string; rate: (loads: StepLoads) => number }> = [
  { name: "scim.lookup", rate: (loads) => loads.lookup.rps },
  { name: "scim.get", rate: (loads) => loads.get.rps },
  { name: "graph.can batch", rate: (loads) => loads.canBatch.checksPerSecond },
];

/**
 * RSS flat from 100,000 to 1,000,000 users: the peak at the last step at most 10% above the peak
 * at the step before it, plus 20 MB for what a heap's growth and collection leave at any moment
 * (peaks of one server measured minutes apart vary by about that much with nothing changed).
 * The peak (VmHWM) rather than the RSS of the moment, so a spike during the measurements counts.
 */
const rssIsFlat = (before: number, after: number) => after <= 1.1 * before + 20;

/**
 * Issue 13, a million users: each scenario at the last step ≥ 90% of its rate on the reference
 * directory (the first step's size) in the same minutes; RSS flat; peak < 300 MB.
 */
export function evaluateMillion(r: MillionResults): Check[] {
  const first = r.steps[0];
  const last = r.steps[r.steps.length - 1];
  const before = r.steps[r.steps.length - 2];
  return [
    ...SCENARIOS.map(({ name, rate }) => {
      const ratio = rate(last) / rate(last.reference);
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
  const load = (x: LoadResult, reference: LoadResult) => `${n(x.rps)} req/s, ${x.p50} / ${x.p99} ms (${pct(x.rps / reference.rps)})`;
  const { tree } = r.sizes;
  return [
    `${runHeader(r)} One directory grown in steps, served by one server process throughout: ${n(r.groups)} groups (${tree.top} × ${tree.midPerTop} × ${tree.leafPerMid}, roles bound as in the directory bench) `
      + `from the start, each user in ${r.sizes.groupsPerUser} of them. At each step every scenario runs on it and on a reference directory of ${n(r.steps[0].users)} users (its own database and server, seeded the same way): `
      + `${r.sizes.warmUpSeconds} s of warm-up each, then ${r.sizes.rounds} alternating rounds, ${r.sizes.seconds} s measured on each, 16 connections; (%) is the rate as a share of the reference's in the same minutes.`,
    "",
    "| users | memberships | growth | scim.lookup (`userName eq`) | scim.get (`/Users/{id}`) | graph.can batch of 100 | server RSS / peak |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...r.steps.map((step) => `| ${n(step.users)} | ${n(step.memberships)} | ${step.seedSeconds.toFixed(0)} s | ${load(step.lookup, step.reference.lookup)} | ${load(step.get, step.reference.get)} | `
      + `${n(step.canBatch.checksPerSecond)} checks/s, ${step.canBatch.p50} / ${step.canBatch.p99} ms (${pct(step.canBatch.checksPerSecond / step.reference.canBatch.checksPerSecond)}) | ${step.rssMB} / ${step.peakRssMB} MB |`),
    "",
    ...checksTable(evaluateMillion(r)),
  ].join("\n");
}
