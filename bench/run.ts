/**
 * `npm run bench`: builds a fresh directory on the database under test (`--db sqlite`, the default:
 * temporary files; `--db postgres`: new databases on the server of `--database-url` or
 * TEST_DATABASE_URL), drives the real server over HTTP, measures the ceilings on the same database
 * in the same run, prints a Markdown table, writes bench/results/<date>-<db>.json and the README's
 * table for that database. `--quick` runs small sizes (the test suite runs it); `--check` exits
 * non-zero when a target fails; `--processes N` (N ≥ 2) adds the fleet: N server processes on the
 * big directory's database against one, under the same load (fleet.ts).
 */
import "reflect-metadata";
import { writeFileSync, readFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { MikroORM } from "@mikro-orm/core";
import { migrateToLatest, openOrm } from "../src/store/orm";
import { measureCeilings } from "./ceilings";
import { benchDatabaseTarget, openBenchDatabases, type BenchDatabaseKind, type BenchDatabases } from "./database";
import { measureFleet, type FleetResult } from "./fleet";
import { startIdgraph } from "./idgraph-process";
import { rssMegabytes } from "./memory";
import { combineRounds, type LoadResult } from "./load";
import { evaluate, renderMarkdown, type BenchResults } from "./report";
import { graphCanBatch, graphCanSingle } from "./scenarios/graph";
import { graphLimits } from "./scenarios/graphql-limits";
import { graphList } from "./scenarios/list";
import { scimCreate, scimGet, scimLookup, scimMembers, type Target } from "./scenarios/scim";
import { scimSync } from "./scenarios/sync";
import { gatherStatistics, seedGroupTree, seedGroupWithMembers, seedLeafMemberships, seedUsers } from "./seed";
import { CONNECTIONS, FULL, MEMBERS_CONNECTIONS, QUICK, type BenchSizes } from "./sizes";
import { createBenchTenant, type BenchTenant } from "./tenant";

const README = join(__dirname, "..", "..", "README.md");
const RESULTS_DIR = join(__dirname, "..", "..", "bench", "results");
/** Each database's table sits between its own pair of markers in the README. */
const readmeMarkers = (db: BenchDatabaseKind) => ({ start: `<!-- bench:${db}:start -->`, end: `<!-- bench:${db}:end -->` });

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
    },
  });
  const processes = Number(values.processes);
  if (!Number.isInteger(processes) || processes < 1 || processes > CONNECTIONS) throw new Error(`--processes ${values.processes}: expected a whole number from 1 to ${CONNECTIONS}`);
  const databases = openBenchDatabases(benchDatabaseTarget(values.db as string, values["database-url"]));
  // Ctrl-C must not leave databases behind on a PostgreSQL server that outlives the run.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: dropping the bench's databases`);
    void databases.dropAll().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted).once("SIGTERM", interrupted);
  const sizes = values.quick ? QUICK : FULL;
  try {
    const results = await runAll(sizes, values.quick ? "quick" : "full", databases, processes);
    const markdown = renderMarkdown(results);
    log(`\n${markdown}\n`);
    const outDir = values.out ?? (values.quick ? tmpdir() : RESULTS_DIR);
    const file = join(outDir, `${results.date}-${results.db}${values.quick ? "-quick" : ""}.json`);
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    log(`Results written to ${file}`);
    if (!values.quick && !values.out) updateReadme(results.db, markdown);
    const failed = evaluate(results).filter((c) => !c.pass);
    if (values.check && failed.length > 0) {
      log(`FAIL: ${failed.map((c) => c.name).join("; ")}`);
      process.exitCode = 1;
    }
  } finally {
    await databases.dropAll();
  }
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
    // Each scenario first runs unmeasured for a while: a cold server (JIT, the database's page cache)
    // runs at about half speed, and the ceilings are measured warm too.
    const measure = async <T>(name: string, run: (seconds: number) => Promise<T>): Promise<T> => {
      log(`▸ ${name} (${sizes.warmUpSeconds} s warm-up, ${sizes.seconds} s measured)`);
      if (sizes.warmUpSeconds > 0) await run(sizes.warmUpSeconds);
      return run(sizes.seconds);
    };

    const scimCreateResult = await measure("scim.create", (t) => scimCreate(target, t, CONNECTIONS));

    log(`Directory: seeding to ${sizes.bigDirectory} users`);
    userIds.push(...(await seedUsers(orm, tenant, sizes.smallDirectory, sizes.bigDirectory, (done) => {
      if (done % 20_000 === 0) log(`  ${done} users`);
    })));
    await gatherStatistics(orm, databases.kind);
    const { scimLookupSmall, scimLookupBig } = await measureLookups(sizes, small.target, target);
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

    const checks = { userIds, accountIds: tenant.accountIds, permissions: ["area0.read", "area3.write", "area5.read", "area7.write", "nothing.here"] };
    const graphCanBatchResult = await measure("graph.can, batches of 100", (t) => graphCanBatch(target, checks, t, CONNECTIONS));
    const graphCanSingleResult = await measure("graph.can, single, concurrency 1", (t) => graphCanSingle(target, checks, t));
    log(`▸ graph.limits, ${sizes.limitsRequests} fan-out documents and ${sizes.limitsRequests} normal queries, one at a time`);
    const graphLimitsResult = await graphLimits(target, sizes.limitsRequests);
    const scimMembersSmallGroup = await measure("scim.members, 10-member group", (t) => scimMembers(target, smallGroup, outsiders, t, MEMBERS_CONNECTIONS));
    const scimMembersBigGroup = await measure(`scim.members, ${sizes.bigGroup}-member group`, (t) => scimMembers(target, bigGroup, outsiders, t, MEMBERS_CONNECTIONS));
    log(`▸ graph.list, ${sizes.listPage} users`);
    const graphListResult = await graphList(directory.config, tenant, sizes.listPage);

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
    return {
      date: new Date().toISOString().slice(0, 10),
      db: databases.kind,
      database,
      mode,
      machine: { cpus: cpus().length, node: process.version },
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
        memory: { afterBigDirectoryMB, afterSyncMB: sync.rssMB },
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

/**
 * scim.lookup at both sizes, in alternating rounds (small, big, small, big, …) after a warm-up of
 * each: flatness is a ratio of two rates, and a shared machine drifts by more than the 10% it
 * allows within minutes, so both rates are taken over the same stretch of time.
 */
async function measureLookups(sizes: BenchSizes, small: Target, big: Target): Promise<{ scimLookupSmall: LoadResult; scimLookupBig: LoadResult }> {
  const roundSeconds = Math.max(1, Math.round(sizes.seconds / 2));
  log(`▸ scim.lookup at ${sizes.smallDirectory} and ${sizes.bigDirectory} users (${sizes.warmUpSeconds} s warm-up each, ${sizes.lookupRounds} alternating rounds of ${roundSeconds} s each)`);
  if (sizes.warmUpSeconds > 0) {
    await scimLookup(small, sizes.smallDirectory, sizes.warmUpSeconds, CONNECTIONS);
    await scimLookup(big, sizes.bigDirectory, sizes.warmUpSeconds, CONNECTIONS);
  }
  const smallRounds: LoadResult[] = [];
  const bigRounds: LoadResult[] = [];
  for (let round = 0; round < sizes.lookupRounds; round += 1) {
    smallRounds.push(await scimLookup(small, sizes.smallDirectory, roundSeconds, CONNECTIONS));
    bigRounds.push(await scimLookup(big, sizes.bigDirectory, roundSeconds, CONNECTIONS));
    log(`  round ${round + 1}: ${smallRounds[round].rps} req/s at ${sizes.smallDirectory}, ${bigRounds[round].rps} req/s at ${sizes.bigDirectory}`);
  }
  return { scimLookupSmall: combineRounds(smallRounds), scimLookupBig: combineRounds(bigRounds) };
}

/** scim.sync runs on its own fresh database, as a new customer's first sync would. */
async function runSync(sizes: BenchSizes, databases: BenchDatabases) {
  const database = await databases.create("sync");
  const orm: MikroORM = await openOrm(database.config);
  await migrateToLatest(orm);
  const tenant: BenchTenant = await createBenchTenant(orm, "Sync");
  await orm.close(true);
  const server = await startIdgraph(database.url);
  try {
    log(`▸ scim.sync: ${sizes.syncUsers} users, ${sizes.syncGroups} groups, ${sizes.syncMemberships} memberships`);
    const result = await scimSync({ url: server.url, scimToken: tenant.scimToken, apiKey: tenant.apiKey },
      { users: sizes.syncUsers, groups: sizes.syncGroups, memberships: sizes.syncMemberships }, log);
    return { result, rssMB: rssMegabytes(server.pid) };
  } finally {
    await server.stop();
  }
}

/**
 * The README carries the table of each database's latest full run between that database's markers;
 * a README without them (yet) is left as it is.
 */
function updateReadme(db: BenchDatabaseKind, markdown: string): void {
  const { start: startMarker, end: endMarker } = readmeMarkers(db);
  const readme = readFileSync(README, "utf8");
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) {
    log(`README.md has no ${startMarker} … ${endMarker} block: its table is left to copy from above`);
    return;
  }
  writeFileSync(README, `${readme.slice(0, start + startMarker.length)}\n${markdown}\n${readme.slice(end)}`);
  log(`README.md ${db} table updated`);
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
