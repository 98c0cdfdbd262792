/**
 * `npm run bench`: builds a fresh directory on the database under test (`--db sqlite`, the default:
 * temporary files; `--db postgres`: new databases on the server of `--database-url` or
 * TEST_DATABASE_URL), drives the real server over HTTP, measures the ceilings on the same database
 * in the same run, prints a Markdown table, writes bench/results/<date>-<db>.json and the README's
 * table for that database. `--quick` runs small sizes (the test suite runs it); `--check` exits
 * non-zero when a target fails; `--processes N` (N ≥ 2) adds the fleet: N server processes on the
 * big directory's database against one, under the same load (fleet.ts). `--size 1m` runs the
 * million-user bench instead (million.ts): its own results file and README table.
 */
import "reflect-metadata";
import { tmpdir } from "node:os";
import { parseArgs } from "node:util";
import { migrateToLatest, openOrm } from "../src/store/orm";
import { measureCeilings } from "./ceilings";
import { benchDatabaseTarget, openBenchDatabases, type BenchDatabases } from "./database";
import { measureFleet, type FleetResult } from "./fleet";
import { onFreshDirectory } from "./fresh-directory";
import { startIdgraph } from "./idgraph-process";
import { peakRssMegabytes, rssMegabytes } from "./memory";
import { afterWarmUp, alternatingRounds, type LoadResult } from "./load";
import { benchMillion } from "./million";
import { RESULTS_DIR, updateReadme, writeResults, type RecordedRun } from "./output";
import { evaluate, renderMarkdown, RESULTS_VERSION, runInfo, type BenchResults } from "./report";
import { measureWhoCan, runWhereCan } from "./scenarios/access-questions";
import { runAccessReviewExports } from "./scenarios/access-review-export";
import { scimBigGroup } from "./scenarios/big-group";
import { BENCH_PERMISSIONS } from "./scenarios/graph";
import { graphCanBatch, graphCanSingle } from "./scenarios/graph";
import { graphLimits } from "./scenarios/graphql-limits";
import { graphList } from "./scenarios/list";
import { scimCreate, scimGet, scimLookup, scimMembers, type Target } from "./scenarios/scim";
import { webhookBench, webhookBenchEnv } from "./scenarios/webhooks";
import { scimSync } from "./scenarios/sync";
import { gatherStatistics, seedGroupTree, seedGroupWithMembers, seedLeafMemberships, seedUsers } from "./seed";
import { CONNECTIONS, FULL, MEMBERS_CONNECTIONS, QUICK, type BenchSizes } from "./sizes";
import { createBenchTenant } from "./tenant";

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean" },
      check: { type: "boolean" },
      db: { type: "string", default: "sqlite" },
      "database-url": { type: "string" },
      out: { type: "string" },
      processes: { type: "string", default: "1" },
      size: { type: "string" },
    },
  });
  const processes = Number(values.processes);
  if (!Number.isInteger(processes) || processes < 1 || processes > CONNECTIONS) throw new Error(`--processes ${values.processes}: expected a whole number from 1 to ${CONNECTIONS}`);
  if (values.size !== undefined && values.size !== "1m") throw new Error(`--size ${values.size}: the only size is 1m (the million-user bench)`);
  if (values.size && processes > 1) throw new Error("--processes is for the directory bench, not --size 1m");
  const databases = openBenchDatabases(benchDatabaseTarget(values.db as string, values["database-url"]));
  // Ctrl-C must not leave databases behind on a PostgreSQL server that outlives the run.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: dropping the bench's databases`);
    void databases.dropAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  const mode = values.quick ? "quick" : "full";
  try {
    const run = values.size ? await benchMillion(databases, mode, log) : directoryRun(await runAll(values.quick ? QUICK : FULL, mode, databases, processes));
    log(`\n${run.markdown}\n`);
    const file = writeResults(values.out ?? (values.quick ? tmpdir() : RESULTS_DIR), `${run.name}${values.quick ? "-quick" : ""}`, run.results);
    log(`Results written to ${file}`);
    if (!values.quick && !values.out) updateReadme(run.readmeBlock, run.markdown, log);
    const failed = run.checks.filter((c) => !c.pass);
    if (values.check && failed.length > 0) {
      log(`FAIL: ${failed.map((c) => c.name).join("; ")}`);
      process.exitCode = 1;
    }
  } finally {
    await databases.dropAll();
  }
}

/** The directory bench's run as main records it: bench/results/<date>-<db>.json, the README's `<db>` block. */
function directoryRun(results: BenchResults): RecordedRun {
  return { name: `${results.date}-${results.db}`, results, markdown: renderMarkdown(results), checks: evaluate(results), readmeBlock: results.db };
}

async function runAll(sizes: BenchSizes, mode: "full" | "quick", databases: BenchDatabases, processes: number): Promise<BenchResults> {
  const database = await databases.describe();
  log(`idgraph bench (${mode}) on ${database}: ceilings`);
  if (/fsync off/.test(database)) log("  (fsync is off: commits cost no flush, so writes measure far faster than a real server's)");
  const ceilings = await measureCeilings({ databases, seconds: sizes.seconds, connections: CONNECTIONS, peerUsers: sizes.smallDirectory, warmUp: sizes.warmUpSeconds > 0, progress: log });

  log(`Directory: seeding ${sizes.smallDirectory} users, and the same again in a database of its own`);
  const small = await startSmallDirectory(databases, sizes.smallDirectory);
  const directory = await databases.create("directory");
  const orm = await openOrm(directory.config);
  await migrateToLatest(orm);
  const tenant = await createBenchTenant(orm, "Bench");
  const userIds = await seedUsers(orm, tenant, 0, sizes.smallDirectory);
  await gatherStatistics(orm, databases.kind);
  const server = await startIdgraph(directory.url);
  try {
    const target: Target = { url: server.url, scimToken: tenant.scimToken, apiKey: tenant.apiKey };
    const measure = async <T>(name: string, run: (seconds: number) => Promise<T>): Promise<T> => {
      log(`▸ ${name} (${sizes.warmUpSeconds} s warm-up, ${sizes.seconds} s measured)`);
      return afterWarmUp(sizes.warmUpSeconds, sizes.seconds, run);
    };

    const scimCreateResult = await measure("scim.create", (t) => scimCreate(target, t, CONNECTIONS));

    log(`Directory: seeding to ${sizes.bigDirectory} users`);
    userIds.push(...(await seedUsers(orm, tenant, sizes.smallDirectory, sizes.bigDirectory, (done) => {
      if (done % 20_000 === 0) log(`  ${done} users`);
    })));
    await gatherStatistics(orm, databases.kind);
    const { scimLookupSmall, scimLookupBig } = await measureLookups(sizes, small.target, target);
    const smallDirectoryPeakMB = peakRssMegabytes(small.server.pid);
    await small.server.stop();
    const scimGetBig = await measure(`scim.get at ${sizes.bigDirectory} users`, (t) => scimGet(target, userIds, t, CONNECTIONS));
    const afterBigDirectoryMB = rssMegabytes(server.pid);

    log("Directory: seeding groups, nesting, bindings and memberships");
    const tree = await seedGroupTree(orm, tenant, { top: sizes.topGroups, midPerTop: sizes.midPerTop, leafPerMid: sizes.leafPerMid });
    await seedLeafMemberships(orm, userIds, tree.leaf);
    const bigGroup = await seedGroupWithMembers(orm, tenant, "Big Group", userIds.slice(0, sizes.bigGroup));
    const smallGroup = await seedGroupWithMembers(orm, tenant, "Small Group", userIds.slice(0, 10));
    const outsiders = userIds.slice(sizes.bigGroup, sizes.bigGroup + 64);
    await gatherStatistics(orm, databases.kind);

    const checks = { userIds, accountIds: tenant.accountIds, permissions: BENCH_PERMISSIONS };
    const graphCanBatchResult = await measure("graph.can, batches of 100", (t) => graphCanBatch(target, checks, t, CONNECTIONS));
    const graphCanSingleResult = await measure("graph.can, single, concurrency 1", (t) => graphCanSingle(target, checks, t));
    const whoCan = await measureWhoCan(target, tenant, sizes, log);
    log(`▸ graph.limits, ${sizes.limitsRequests} fan-out documents and ${sizes.limitsRequests} normal queries, one at a time`);
    const graphLimitsResult = await graphLimits(target, sizes.limitsRequests);
    const scimMembersSmallGroup = await measure("scim.members, 10-member group", (t) => scimMembers(target, smallGroup, outsiders, t, MEMBERS_CONNECTIONS));
    const scimMembersBigGroup = await measure(`scim.members, ${sizes.bigGroup}-member group`, (t) => scimMembers(target, bigGroup, outsiders, t, MEMBERS_CONNECTIONS));
    log(`▸ graph.list, ${sizes.listPage} users`);
    const graphListResult = await graphList(directory.config, tenant, sizes.listPage);

    const directoryPeakMB = peakRssMegabytes(server.pid);
    await server.stop();
    let fleet: FleetResult | undefined;
    if (processes > 1) {
      log(`Fleet: ${processes} servers on the directory's database`);
      const started = performance.now();
      fleet = await measureFleet({ databaseUrl: directory.url, processes, sizes, credentials: tenant, directorySize: sizes.bigDirectory, checks, log });
      log(`Fleet: ${Math.round((performance.now() - started) / 1000)} s`);
    }
    await orm.close(true);
    const sync = await runSync(sizes, databases);
    const bigGroupRun = await runBigGroup(sizes, databases);
    const webhooks = await runWebhooks(sizes, databases);
    const whereCan = await runWhereCan(databases, sizes, log);
    const reviewExport = await runAccessReviewExports(databases, sizes, log);
    return {
      version: RESULTS_VERSION,
      ...runInfo(databases.kind, database, mode),
      sizes,
      ceilings,
      scenarios: {
        scimCreate: scimCreateResult,
        scimLookupSmall,
        scimLookupBig,
        scimGetBig,
        scimMembersSmallGroup,
        scimMembersBigGroup,
        scimSync: sync.result,
        graphCanBatch: graphCanBatchResult,
        graphCanSingle: graphCanSingleResult,
        graphList: graphListResult,
        graphLimits: graphLimitsResult,
        scimBigGroup: bigGroupRun.result,
        webhooks: webhooks.result,
        access: { whoCan, whereCan: whereCan.result, export: reviewExport },
        memory: { afterBigDirectoryMB, afterSyncMB: sync.rssMB },
        peakRssMB: {
          directory: directoryPeakMB, "small directory": smallDirectoryPeakMB, sync: sync.peakRssMB, "big group": bigGroupRun.peakRssMB, webhooks: webhooks.peakRssMB,
          whereCan: whereCan.peakRssMB,
          [`export of ${reviewExport.small.users} users`]: reviewExport.small.peakRssMB,
          [`export of ${reviewExport.big.users} users`]: reviewExport.big.peakRssMB,
        },
        ...(fleet ? { fleet } : {}),
      },
    };
  } finally {
    await server.stop();
    await small.server.stop();
    await orm.close(true).catch(() => undefined);
  }
}

/**
 * The small directory for scim.lookup: its own database and server, so lookups at both sizes can
 * be measured in the same minutes (see measureLookups) rather than minutes apart.
 */
async function startSmallDirectory(databases: BenchDatabases, users: number) {
  const database = await databases.create("small_directory");
  const orm = await openOrm(database.config);
  await migrateToLatest(orm);
  const tenant = await createBenchTenant(orm, "Small");
  await seedUsers(orm, tenant, 0, users);
  await gatherStatistics(orm, databases.kind);
  await orm.close(true);
  const server = await startIdgraph(database.url);
  return { server, target: { url: server.url, scimToken: tenant.scimToken, apiKey: tenant.apiKey } };
}

/** scim.lookup at both sizes, in alternating rounds (small, big, small, big, …): see alternatingRounds. */
async function measureLookups(sizes: BenchSizes, small: Target, big: Target): Promise<{ scimLookupSmall: LoadResult; scimLookupBig: LoadResult }> {
  const roundSeconds = Math.max(1, Math.round(sizes.seconds / 2));
  log(`▸ scim.lookup at ${sizes.smallDirectory} and ${sizes.bigDirectory} users (${sizes.warmUpSeconds} s warm-up each, ${sizes.lookupRounds} alternating rounds of ${roundSeconds} s each)`);
  const [scimLookupSmall, scimLookupBig] = await alternatingRounds(
    { warmUpSeconds: sizes.warmUpSeconds, rounds: sizes.lookupRounds, roundSeconds, onRound: (round, a, b) => log(`  round ${round + 1}: ${a.rps} req/s at ${sizes.smallDirectory}, ${b.rps} req/s at ${sizes.bigDirectory}`) },
    (seconds) => scimLookup(small, sizes.smallDirectory, seconds, CONNECTIONS),
    (seconds) => scimLookup(big, sizes.bigDirectory, seconds, CONNECTIONS));
  return { scimLookupSmall, scimLookupBig };
}

/** scim.sync runs on its own fresh database, as a new customer's first sync would. */
function runSync(sizes: BenchSizes, databases: BenchDatabases) {
  return onFreshDirectory(databases, "sync", ({ target }) => {
    log(`▸ scim.sync: ${sizes.syncUsers} users, ${sizes.syncGroups} groups, ${sizes.syncMemberships} memberships`);
    return scimSync(target, { users: sizes.syncUsers, groups: sizes.syncGroups, memberships: sizes.syncMemberships }, log);
  });
}

/** scim.bigGroup on a fresh database and server of its own: the server's peak RSS is the big group's. */
function runBigGroup(sizes: BenchSizes, databases: BenchDatabases) {
  return onFreshDirectory(databases, "big_group", async ({ kind, orm, tenant, target }) => {
    log(`▸ scim.bigGroup: seeding ${sizes.bigGroup} users, then adding them to one group in PATCHes of 100 and reading it whole`);
    const userIds = await seedUsers(orm, tenant, 0, sizes.bigGroup);
    await gatherStatistics(orm, kind);
    return scimBigGroup(target, userIds, log);
  });
}

/** webhooks on a fresh database and server of its own, which may reach a receiver on 127.0.0.1. */
function runWebhooks(sizes: BenchSizes, databases: BenchDatabases) {
  const env = webhookBenchEnv();
  return onFreshDirectory(databases, "webhooks", ({ orm, tenant, target }) => {
    log("▸ webhooks: scim.create without and with a subscribed endpoint, alternating rounds; deliveries and their lag");
    const roundSeconds = Math.max(1, Math.round(sizes.seconds / 2));
    return webhookBench(orm, tenant, target, env, { warmUpSeconds: sizes.warmUpSeconds, rounds: sizes.lookupRounds, roundSeconds, connections: CONNECTIONS, log });
  }, env);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
