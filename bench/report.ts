import { cpus } from "node:os";
import type { Ceilings } from "./ceilings";
import type { BenchDatabaseKind } from "./database";
import { describeFailures, type FleetLoads, type FleetResult } from "./fleet";
import type { LoadResult } from "./load";
import type { AccessQuestionsResult } from "./scenarios/access-questions";
import type { AccessReviewExportResult } from "./scenarios/access-review-export";
import type { BigGroupResult } from "./scenarios/big-group";
import type { LimitsResult } from "./scenarios/graphql-limits";
import type { ListResult } from "./scenarios/list";
import type { SyncResult } from "./scenarios/sync";
import type { WebhookBenchResult } from "./scenarios/webhooks";
import type { BenchSizes } from "./sizes";

/**
 * The targets a run is held to. Runs recorded before issue 13's writes targets have no `version`
 * (1); from version 2 on: scim.sync under 15 s and against the ORM ceiling, scim.members against
 * the ORM ceiling and flat from 10 to 50,000 members, every server's peak RSS. A recorded run
 * renders with the targets of its version, so the README's tables stay what their runs printed.
 */
export const RESULTS_VERSION = 2;

/** Everything one bench run measured; written to bench/results/<date>-<db>.json. */
export interface BenchResults {
  /** RESULTS_VERSION when the run was made; absent from runs recorded before it existed (version 1). */
  version?: number;
  date: string;
  db: BenchDatabaseKind;
  /** The database as measured, e.g. "PostgreSQL 15.18 (fsync on, synchronous_commit on)"; absent from runs recorded before it existed (all SQLite). */
  database?: string;
  mode: "full" | "quick";
  machine: { cpus: number; node: string };
  sizes: BenchSizes;
  ceilings: Ceilings;
  scenarios: {
    scimCreate: LoadResult;
    scimLookupSmall: LoadResult;
    scimLookupBig: LoadResult;
    scimGetBig: LoadResult;
    scimMembersSmallGroup: LoadResult;
    scimMembersBigGroup: LoadResult;
    scimSync: SyncResult;
    graphCanBatch: LoadResult & { checksPerSecond: number };
    graphCanSingle: LoadResult;
    graphList: ListResult;
    /** Absent from runs recorded before it existed. */
    graphLimits?: LimitsResult;
    /** Version 2 on. */
    scimBigGroup?: BigGroupResult;
    /** Issue 14: what webhook delivery costs the creates, and what it delivers (absent from earlier runs). */
    webhooks?: WebhookBenchResult;
    /** Issue 15: whoCan, whereCan and the access review export, each beside what it is held to (absent from earlier runs, as are its sizes: whereCan*, exportUsers). */
    access?: AccessQuestionsResult;
    memory: { afterBigDirectoryMB: number; afterSyncMB: number };
    /** Version 2 on: each server's peak RSS (VmHWM) in MB at the end of its life, by what it served ("directory", "sync", …). */
    peakRssMB?: Record<string, number>;
    /** Runs with `--processes N` (N ≥ 2) only: 1 process against N on one database. */
    fleet?: FleetResult;
  };
}

export interface Check {
  name: string;
  actual: string;
  target: string;
  pass: boolean;
}

export const pct = (x: number) => `${Math.round(x * 100)}%`;
export const n = (x: number) => Math.round(x).toLocaleString("en-US");

/** What every run records about itself: when, on what, at which sizes. */
export type RunInfo = Pick<BenchResults, "date" | "db" | "database" | "mode" | "machine">;

/** This run's RunInfo: today, on this machine. */
export function runInfo(db: BenchDatabaseKind, database: string, mode: BenchResults["mode"]): RunInfo {
  return { date: new Date().toISOString().slice(0, 10), db, database, mode, machine: { cpus: cpus().length, node: process.version } };
}

/** The sentence every table of a run starts with. */
export function runHeader(r: RunInfo): string {
  return `Run of ${r.date} on ${r.database ?? "SQLite"}, ${r.machine.cpus} cores, Node ${r.machine.node} (${r.mode} sizes; load generator on the same cores).`;
}

/** The table of targets that ends every report. */
export function checksTable(checks: Check[]): string[] {
  return [
    "| target | measured | wanted | |",
    "| --- | --- | --- | --- |",
    ...checks.map((check) => `| ${check.name} | ${check.actual} | ${check.target} | ${check.pass ? "PASS" : "FAIL"} |`),
  ];
}

const isVersion2 = (r: BenchResults) => (r.version ?? 1) >= 2;
/** scim.sync's requests (lookups, creates and PATCHes of up to 100 members) per second. */
const syncRate = (s: BenchResults["scenarios"]) => s.scimSync.requests / s.scimSync.seconds;

/** The targets of the issue, evaluated against one run. Ratios, not absolutes, where a ceiling exists. */
export function evaluate(r: BenchResults): Check[] {
  const s = r.scenarios;
  const c = r.ceilings;
  return [
    { name: "scim.create vs ORM single-row ceiling", actual: pct(s.scimCreate.rps / c.storageOrm.rowsPerSecond), target: "≥ 75%", pass: s.scimCreate.rps >= 0.75 * c.storageOrm.rowsPerSecond },
    // At both sizes: the slower of the two is held to the target.
    { name: "scim.lookup vs HTTP ceiling", actual: pct(slowerLookup(r) / c.http.rps), target: "≥ 12%", pass: slowerLookup(r) >= 0.12 * c.http.rps },
    { name: `scim.lookup at ${n(r.sizes.bigDirectory)} vs ${n(r.sizes.smallDirectory)} users`, actual: pct(s.scimLookupBig.rps / s.scimLookupSmall.rps), target: "≥ 90%", pass: s.scimLookupBig.rps >= 0.9 * s.scimLookupSmall.rps },
    ...(isVersion2(r) ? membersChecks(r) : [membersCostCheck(r)]),
    ...(isVersion2(r) ? syncChecks(r) : [{ name: "scim.sync total", actual: `${s.scimSync.seconds.toFixed(1)} s`, target: "< 30 s", pass: s.scimSync.seconds < 30 }]),
    { name: "graph.can batch throughput", actual: `${n(s.graphCanBatch.checksPerSecond)} checks/s`, target: "≥ 20,000", pass: s.graphCanBatch.checksPerSecond >= 20_000 },
    { name: "graph.can batch vs constant-resolver ceiling", actual: pct(s.graphCanBatch.checksPerSecond / c.graphqlBatch.checksPerSecond), target: "≥ 20%", pass: s.graphCanBatch.checksPerSecond >= 0.2 * c.graphqlBatch.checksPerSecond },
    { name: "graph.can single p99 (concurrency 1)", actual: `${s.graphCanSingle.p99} ms`, target: "< 5 ms", pass: s.graphCanSingle.p99 < 5 },
    { name: "graph.list SQL statements, page of 1/10 vs full", actual: `${s.graphList.statementsSmallPage} vs ${s.graphList.statements}`, target: "equal", pass: s.graphList.statements === s.graphList.statementsSmallPage },
    { name: `server RSS after ${n(r.sizes.bigDirectory)} users`, actual: `${s.memory.afterBigDirectoryMB} MB`, target: "< 300 MB", pass: s.memory.afterBigDirectoryMB < 300 },
    { name: "server RSS after the sync", actual: `${s.memory.afterSyncMB} MB`, target: "< 300 MB", pass: s.memory.afterSyncMB < 300 },
    ...(s.peakRssMB ? [peakRssCheck(s.peakRssMB)] : []),
    ...(c.scimmyCreate ? [peerCreateCheck(s.scimCreate, c.scimmyCreate)] : []),
    ...(s.graphLimits ? [limitsCheck(s.graphLimits)] : []),
    ...(s.fleet ? fleetChecks(s.fleet) : []),
    ...(s.webhooks ? [webhookCheck(s.webhooks)] : []),
    ...(s.access ? accessChecks(s.access) : []),
  ];
}

/**
 * Issue 15: the access questions asked the other way round cost about what the requests they
 * resemble cost, measured in the same run — a page of whoCan what a page of users with their
 * groups costs, its full count what the users' count costs, a page of whereCan what one
 * effectiveAccess of the same user costs — and the export's memory does not grow with the directory.
 */
function accessChecks(a: AccessQuestionsResult): Check[] {
  const { whoCan, whereCan, export: { small, big } } = a;
  return [
    { name: "access.whoCan first page vs a page of users with their groups", actual: pct(whoCan.page.rps / whoCan.usersPage.rps), target: "≥ 50%", pass: whoCan.page.rps >= 0.5 * whoCan.usersPage.rps },
    {
      // Both look at every user of the organization; whoCan's count asks four questions of each
      // (a binding, a group among the bound ones, a mapped value, the default role), the other one.
      name: `access.whoCan totalCount p50 vs the active users' totalCount p50, ${n(whoCan.users)} users`, actual: `${(whoCan.count.p50 / whoCan.usersCount.p50).toFixed(2)}×`, target: "≤ 5×",
      pass: whoCan.count.p50 <= 5 * whoCan.usersCount.p50,
    },
    { name: "access.whereCan first page vs effectiveAccess of the same user", actual: pct(whereCan.page.rps / whereCan.effectiveAccess.rps), target: "≥ 50%", pass: whereCan.page.rps >= 0.5 * whereCan.effectiveAccess.rps },
    {
      name: `access review export peak RSS, ${n(big.users)} vs ${n(small.users)} users`, actual: `${(big.peakRssMB / small.peakRssMB).toFixed(2)}× (${big.peakRssMB} vs ${small.peakRssMB} MB)`, target: "≤ 1.25×",
      pass: big.peakRssMB <= 1.25 * small.peakRssMB,
    },
  ];
}

/** The access scenario's rows: each question beside the request it is held to, then the export at both sizes. */
function accessRows(a: AccessQuestionsResult, load: (x: LoadResult) => string): string[] {
  const { whoCan, whereCan } = a;
  const exportRow = (e: AccessReviewExportResult, beside: string) =>
    `| access review export (JSON lines), ${n(e.users)} users, read to the end | ${n(e.rows)} rows, ${e.megabytes} MB in ${e.seconds} s: ${n(e.rowsPerSecond)} rows/s | | server peak RSS ${e.peakRssMB} MB${beside} |`;
  return [
    `| access.whoCan, first 50 of the ${n(whoCan.holders)} holders of ${whoCan.permission} on an account, ${n(whoCan.users)} users | ${load(whoCan.page)} | ${pct(whoCan.page.rps / whoCan.usersPage.rps)} of a page of users |`,
    `| a page of users: users(first: 50) with their groups, the same load | ${load(whoCan.usersPage)} | |`,
    `| access.whoCan totalCount alone, one at a time | ${n(whoCan.count.requests)} requests | ${whoCan.count.p50} / ${whoCan.count.p99} ms | ${(whoCan.count.p50 / whoCan.usersCount.p50).toFixed(2)}× the active users' totalCount p50 (${whoCan.usersCount.p50} / ${whoCan.usersCount.p99} ms) |`,
    `| access.whereCan, first 50 of the ${n(whereCan.accountsWithPermission)} accounts where a user in ${n(whereCan.groups)} groups has ${whereCan.permission}, ${n(whereCan.accounts)} accounts | ${load(whereCan.page)} | ${pct(whereCan.page.rps / whereCan.effectiveAccess.rps)} of effectiveAccess |`,
    `| effectiveAccess of the same user on a random account, the same load | ${load(whereCan.effectiveAccess)} | |`,
    exportRow(a.export.small, ""),
    exportRow(a.export.big, `, ${(a.export.big.peakRssMB / a.export.small.peakRssMB).toFixed(2)}× the ${n(a.export.small.users)} users' export`),
  ];
}

/** Issue 14: the write path pays for the event row, not for delivery. */
function webhookCheck(w: WebhookBenchResult): Check {
  return {
    name: "scim.create with a subscribed webhook endpoint vs none", actual: pct(w.createWith.rps / w.createWithout.rps), target: "≥ 80%",
    pass: w.createWith.rps >= 0.8 * w.createWithout.rps,
  };
}

/** Version 1's membership target: a PATCH to the big group costs at most twice one to a 10-member group. */
function membersCostCheck(r: BenchResults): Check {
  const s = r.scenarios;
  return { name: `scim.members cost, ${n(r.sizes.bigGroup)}-member vs 10-member group`, actual: `${(s.scimMembersSmallGroup.rps / s.scimMembersBigGroup.rps).toFixed(2)}×`, target: "≤ 2×", pass: s.scimMembersBigGroup.rps * 2 >= s.scimMembersSmallGroup.rps };
}

/** Issue 13: a membership PATCH at the ORM's single-row insert rate at least, whatever the group's size. */
function membersChecks(r: BenchResults): Check[] {
  const { scimMembersSmallGroup: small, scimMembersBigGroup: big } = r.scenarios;
  const orm = r.ceilings.storageOrm.rowsPerSecond;
  return [
    { name: `scim.members (${n(r.sizes.bigGroup)}-member group) vs ORM single-row ceiling`, actual: pct(big.rps / orm), target: "≥ 100%", pass: big.rps >= orm },
    { name: `scim.members, ${n(r.sizes.bigGroup)}-member vs 10-member group`, actual: pct(big.rps / small.rps), target: "≥ 90%", pass: big.rps >= 0.9 * small.rps },
  ];
}

/**
 * Issue 13: the sync under 15 s here, and its request rate against the ORM's single-row insert so
 * the figure means something on a faster machine. 21,000 requests in 15 s is 1,400 req/s, above
 * the ORM ceiling of these machines (500–780 rows/s): ≥ 100% of it is the lesser of the two targets.
 */
function syncChecks(r: BenchResults): Check[] {
  const s = r.scenarios;
  const ratio = syncRate(s) / r.ceilings.storageOrm.rowsPerSecond;
  return [
    { name: "scim.sync total", actual: `${s.scimSync.seconds.toFixed(1)} s`, target: "< 15 s", pass: s.scimSync.seconds < 15 },
    { name: "scim.sync vs ORM single-row ceiling", actual: pct(ratio), target: "≥ 100%", pass: ratio >= 1 },
  ];
}

/** Issue 13, memory bounded: the highest peak of any server the run started, named. */
function peakRssCheck(peaks: Record<string, number>): Check {
  const [server, mb] = Object.entries(peaks).reduce((high, entry) => (entry[1] > high[1] ? entry : high));
  return { name: "server peak RSS, every scenario", actual: `${mb} MB (${server})`, target: "< 300 MB", pass: mb < 300 };
}

/** scim.sync's row: from version 2 on with its request rate against the ORM ceiling. */
function syncRow(r: BenchResults): string {
  const s = r.scenarios;
  const what = `scim.sync (${n(r.sizes.syncUsers)} users, ${n(r.sizes.syncGroups)} groups, ${n(r.sizes.syncMemberships)} memberships)`;
  const took = `${s.scimSync.seconds.toFixed(1)} s, ${n(s.scimSync.requests)} requests`;
  if (!isVersion2(r)) return `| ${what} | ${took} | | |`;
  return `| ${what} | ${took}, ${n(syncRate(s))} req/s | | ${pct(syncRate(s) / r.ceilings.storageOrm.rowsPerSecond)} of ORM single-row insert |`;
}

/** scim.bigGroup's rows: the group's growth over SCIM, then its whole member list read back. */
function bigGroupRows(b: BigGroupResult, orm: number): string[] {
  return [
    `| scim.bigGroup: ${n(b.members)} members added in ${n(b.patches)} PATCHes of 100, 8 in flight | ${b.buildSeconds.toFixed(1)} s: ${n(b.patchesPerSecond)} PATCH/s, ${n(b.membershipsPerSecond)} members/s | | ${pct(b.membershipsPerSecond / orm)} of ORM single-row insert (members/s) |`,
    `| scim.bigGroup: GET /Groups/{id} with all ${n(b.members)} members, 4 at once | ${n(b.get.requests)} requests | ${b.get.p50} / ${b.get.max} ms (p50 / max) | |`,
  ];
}

const fleetScenarios = (f: FleetResult): [string, FleetLoads][] => [["scim.lookup", f.lookup], ["scim.create", f.create], ["graph.can batch", f.canBatch]];

/** A fleet must answer everything it is sent, keep every write it acknowledged, and lose no throughput. */
function fleetChecks(f: FleetResult): Check[] {
  const runs = fleetScenarios(f).flatMap(([name, loads]) => [{ name: `${name} on 1`, run: loads.one }, { name: `${name} on ${f.processes}`, run: loads.many }]);
  const failing = runs.filter(({ run }) => run.errors + run.non2xx > 0);
  const answered = (run: FleetLoads["one"]) => run.requests - run.non2xx;
  const { one, many, stored } = f.create;
  const ratios = fleetScenarios(f).map(([name, loads]) => ({ name, ratio: loads.many.rps / loads.one.rps }));
  const lowest = ratios.reduce((low, x) => (x.ratio < low.ratio ? x : low));
  return [
    // No loss, not a speed-up: on few cores N processes share what one had (see fleetTable).
    { name: `fleet: ${f.processes} vs 1 process throughput, the lowest of the three`, actual: `${pct(lowest.ratio)} (${lowest.name})`, target: "≥ 90%", pass: lowest.ratio >= 0.9 },
    {
      name: `fleet: errors and non-2xx answers, 1 and ${f.processes} processes`,
      actual: failing.length === 0 ? "0" : failing.map(({ name, run }) => `${name}: ${describeFailures(run)}`).join("; "),
      target: "0",
      pass: failing.length === 0,
    },
    {
      name: "fleet: users stored vs creates answered 2xx",
      actual: `${n(stored.many)} vs ${n(answered(many))} on ${f.processes} processes, ${n(stored.one)} vs ${n(answered(one))} on 1`,
      target: "equal",
      pass: stored.many === answered(many) && stored.one === answered(one),
    },
  ];
}

/**
 * The fleet's own table: each scenario on 1 process and on N under the same load. The sentence
 * above it says why a ratio near 100% is the result wanted on a machine of few cores.
 */
function fleetTable(f: FleetResult, r: BenchResults): string[] {
  const load = (x: FleetLoads["one"]) => `${n(x.rps)} req/s, ${x.p50} / ${x.p99} ms`;
  const ratio = (loads: FleetLoads) => pct(loads.many.rps / loads.one.rps);
  const failures = (loads: FleetLoads) => [loads.one, loads.many].map(describeFailures).join(" / ");
  const shared = r.db === "postgres" ? "the load generator, the servers and PostgreSQL" : "the load generator and the servers";
  const why = r.machine.cpus <= f.processes
    ? `On ${r.machine.cpus} cores ${shared} share the cores, so the point is no loss and no errors, not a speed-up.`
    : `${shared[0].toUpperCase()}${shared.slice(1)} share the machine's ${r.machine.cpus} cores: a speed-up needs cores they do not share.`;
  return [
    `Fleet: ${f.processes} idgraph processes on one database against 1, the same load on both (${f.connections} connections, spread round-robin over the processes), in alternating rounds. ${why}`,
    "",
    `| fleet scenario | 1 process | ${f.processes} processes | ${f.processes} / 1 | errors, non-2xx (1 / ${f.processes}) |`,
    "| --- | --- | --- | --- | --- |",
    `| scim.lookup, ${n(r.sizes.bigDirectory)} users | ${load(f.lookup.one)} | ${load(f.lookup.many)} | ${ratio(f.lookup)} | ${failures(f.lookup)} |`,
    `| scim.create (POST /Users), ${n(r.sizes.fleetCreates)} per round | ${load(f.create.one)} | ${load(f.create.many)} | ${ratio(f.create)} | ${failures(f.create)} |`,
    `| graph.can batch of 100 | ${n(f.canBatch.checksPerSecond.one)} checks/s, ${f.canBatch.one.p50} / ${f.canBatch.one.p99} ms | ${n(f.canBatch.checksPerSecond.many)} checks/s, ${f.canBatch.many.p50} / ${f.canBatch.many.p99} ms | ${ratio(f.canBatch)} | ${failures(f.canBatch)} |`,
    `| peak RSS per process (VmHWM) | | ${f.peakRssMB.map((mb) => `${mb} MB`).join(", ")} (the first served the 1-process rounds too) | | |`,
    "",
  ];
}

/**
 * Issue 13: a directory that writes to disk creating users at twice the rate of SCIMMY, which keeps
 * them in a JavaScript Map, measured in the same run at the same load.
 */
function peerCreateCheck(create: LoadResult, peer: LoadResult): Check {
  const ratio = create.rps / peer.rps;
  return { name: "scim.create vs SCIMMY POST /Users", actual: `${ratio.toFixed(2)}×`, target: "≥ 2×", pass: ratio >= 2 };
}

/** `, 0.83× SCIMMY's` after a scenario's ceiling, in runs that measured the peer; nothing in runs before. */
function besidePeer(scenario: LoadResult, peer: LoadResult | undefined): string {
  return peer ? `, ${(scenario.rps / peer.rps).toFixed(2)}× SCIMMY's` : "";
}

/** The peer's rows of the ceilings table, in runs that measured it. */
function peerRows(c: BenchResults["ceilings"], load: (x: LoadResult) => string): string[] {
  if (!c.scimmyCreate || !c.scimmyLookup) return [];
  return [
    `| SCIMMY peer (express, users in a Map): POST /Users, scim.create's body | ${load(c.scimmyCreate)} |`,
    `| SCIMMY peer: scim.lookup's \`GET /Users?filter=userName eq "…"\`, ${n(c.scimmyLookup.users)} users | ${load(c.scimmyLookup)} |`,
  ];
}

/** A hostile document's refusal costs about what an answered query costs (it once took minutes). */
function limitsCheck(l: LimitsResult): Check {
  const ratio = l.fanOut.p50 / l.normal.p50;
  return { name: "graph.limits fan-out refusal p50 vs a normal query's", actual: `${ratio.toFixed(2)}×`, target: "≤ 10×", pass: ratio <= 10 };
}

/** graph.limits with a normal query where other rows have a ceiling: a refusal should cost about what the cheapest answered request costs. */
function limitsRow(l: LimitsResult): string {
  return `| graph.limits: 2^29-spread fragment document refused (400), one at a time | ${n(l.requests)} requests | ${l.fanOut.p50} / ${l.fanOut.p99} ms | normal query (\`viewer\`): ${l.normal.p50} / ${l.normal.p99} ms |`;
}

function slowerLookup(r: BenchResults): number {
  return Math.min(r.scenarios.scimLookupSmall.rps, r.scenarios.scimLookupBig.rps);
}

/** The Markdown the bench prints and the README carries. */
export function renderMarkdown(r: BenchResults): string {
  const s = r.scenarios;
  const c = r.ceilings;
  const load = (x: LoadResult) => `${n(x.rps)} req/s | ${x.p50} / ${x.p99} ms`;
  const lines = [
    runHeader(r),
    "",
    "| scenario | throughput | p50 / p99 | of its ceiling |",
    "| --- | --- | --- | --- |",
    `| scim.create (POST /Users, 16 connections) | ${load(s.scimCreate)} | ${pct(s.scimCreate.rps / c.storageOrm.rowsPerSecond)} of ORM single-row insert${besidePeer(s.scimCreate, c.scimmyCreate)} |`,
    `| scim.lookup, ${n(r.sizes.smallDirectory)} users | ${load(s.scimLookupSmall)} | ${pct(s.scimLookupSmall.rps / c.http.rps)} of HTTP${besidePeer(s.scimLookupSmall, c.scimmyLookup)} |`,
    `| scim.lookup, ${n(r.sizes.bigDirectory)} users | ${load(s.scimLookupBig)} | ${pct(s.scimLookupBig.rps / c.http.rps)} of HTTP |`,
    `| scim.get, ${n(r.sizes.bigDirectory)} users | ${load(s.scimGetBig)} | ${pct(s.scimGetBig.rps / c.http.rps)} of HTTP |`,
    `| scim.members, 10-member group | ${load(s.scimMembersSmallGroup)} | ${pct(s.scimMembersSmallGroup.rps / c.storageOrm.rowsPerSecond)} of ORM single-row insert |`,
    `| scim.members, ${n(r.sizes.bigGroup)}-member group | ${load(s.scimMembersBigGroup)} | ${pct(s.scimMembersBigGroup.rps / c.storageOrm.rowsPerSecond)} of ORM single-row insert |`,
    syncRow(r),
    ...(s.scimBigGroup ? bigGroupRows(s.scimBigGroup, c.storageOrm.rowsPerSecond) : []),
    `| graph.can batch of 100 | ${n(s.graphCanBatch.checksPerSecond)} checks/s | ${s.graphCanBatch.p50} / ${s.graphCanBatch.p99} ms | ${pct(s.graphCanBatch.checksPerSecond / c.graphqlBatch.checksPerSecond)} of constant-resolver batch |`,
    `| graph.can single, concurrency 1 | ${load(s.graphCanSingle)} | (ceiling measured at 16 connections) |`,
    `| graph.list, ${n(s.graphList.page)} users with groups and roles | ${s.graphList.milliseconds} ms, ${s.graphList.statements} SQL statements (${s.graphList.statementsSmallPage} for a tenth of the page) | | |`,
    ...(s.graphLimits ? [limitsRow(s.graphLimits)] : []),
    ...(s.webhooks ? webhookRows(s.webhooks) : []),
    ...(s.access ? accessRows(s.access, load) : []),
    `| memory (server RSS) | ${s.memory.afterBigDirectoryMB} MB at ${n(r.sizes.bigDirectory)} users, ${s.memory.afterSyncMB} MB after the sync | | |`,
    ...(s.peakRssMB ? [`| server peak RSS (VmHWM), each server at the end of its life | ${Object.entries(s.peakRssMB).map(([server, mb]) => `${server} ${mb} MB`).join(", ")} | | |`] : []),
    "",
    ...(s.fleet ? fleetTable(s.fleet, r) : []),
    "| ceiling | result | p50 / p99 |",
    "| --- | --- | --- |",
    `| HTTP: fastify, constant 1 KB JSON | ${load(c.http)} |`,
    `| GraphQL: constant \`can\`, 16 connections | ${load(c.graphqlCan)} |`,
    `| GraphQL: constant \`canBatch\` of 100 | ${n(c.graphqlBatch.checksPerSecond)} checks/s |`,
    `| storage raw: BEGIN; INSERT; COMMIT | ${n(c.storageRawTransaction.rowsPerSecond)} rows/s (${n(c.storagePreparedAutocommit.rowsPerSecond)} prepared autocommit) |`,
    `| storage ORM: em.fork(), create, flush | ${n(c.storageOrm.rowsPerSecond)} rows/s |`,
    ...peerRows(c, load),
    "",
    ...checksTable(evaluate(r)),
  ];
  return lines.join("\n");
}

function webhookRows(w: WebhookBenchResult): string[] {
  return [
    `| scim.create, no webhook endpoint | ${w.createWithout.rps} req/s | ${w.createWithout.p50} / ${w.createWithout.p99} ms | |`,
    `| scim.create, one endpoint subscribed | ${w.createWith.rps} req/s | ${w.createWith.p50} / ${w.createWith.p99} ms | ${pct(w.createWith.rps / w.createWithout.rps)} of the rate without |`,
    `| webhook deliveries | ${w.deliveriesPerSecond} /s (${w.delivered} delivered) | lag ${w.lagP50Ms} / ${w.lagP99Ms} ms | backlog drained ${w.drainSeconds} s after a round |`,
  ];
}
