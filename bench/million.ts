/**
 * `npm run bench -- --size 1m` (not in CI): issue 13's million users. One directory on the
 * database under test, grown in steps (MILLION: 1,000 → 100,000 → 1,000,000 users) while one
 * server process serves it throughout, and measured after each step: scim.lookup, scim.get and
 * graph.can batches, and the server's RSS. The 10,000 groups are seeded before the first step,
 * each user put in 3 of them as it is seeded, so what one request does (one index search, one
 * check walking three groups and their parents) is the same at every step and only the
 * directory's size changes: the ratios of the last step to the first are flatness.
 *
 * The steps are measured minutes apart (seeding between them), not in alternating rounds as the
 * directory bench's scim.lookup is: the two sizes cannot both be served from one growing database.
 */
import type { BenchDatabases } from "./database";
import { onFreshDirectory, type FreshDirectory } from "./fresh-directory";
import { afterWarmUp } from "./load";
import { peakRssMegabytes, rssMegabytes } from "./memory";
import { evaluateMillion, renderMillion, type MillionResults, type MillionStep } from "./million-report";
import type { RecordedRun } from "./output";
import { runInfo } from "./report";
import { BENCH_PERMISSIONS, graphCanBatch } from "./scenarios/graph";
import { scimGet, scimLookup } from "./scenarios/scim";
import { gatherStatistics, seedGroupTree, seedLeafMemberships, seedUsers } from "./seed";
import { CONNECTIONS, MILLION, MILLION_QUICK, type MillionSizes } from "./sizes";

/** Users seeded per transaction group with their memberships: progress shows, and no transaction holds millions of rows. */
const GROWTH_BLOCK = 50_000;

export async function benchMillion(databases: BenchDatabases, mode: "full" | "quick", log: (line: string) => void): Promise<RecordedRun> {
  const sizes = mode === "quick" ? MILLION_QUICK : MILLION;
  const database = await databases.describe();
  log(`idgraph million-user bench (${mode}) on ${database}: steps of ${sizes.steps.join(", ")} users`);
  const { result: steps } = await onFreshDirectory(databases, "million", (directory) => growAndMeasure(directory, sizes, log));
  const { tree } = sizes;
  const results: MillionResults = {
    ...runInfo(databases.kind, database, mode),
    sizes,
    groups: tree.top * (1 + tree.midPerTop * (1 + tree.leafPerMid)),
    steps,
  };
  return { name: `${results.date}-${results.db}-1m`, results, markdown: renderMillion(results), checks: evaluateMillion(results), readmeBlock: `${results.db}:1m` };
}

async function growAndMeasure(directory: FreshDirectory, sizes: MillionSizes, log: (line: string) => void): Promise<MillionStep[]> {
  const { kind, orm, tenant, server, target } = directory;
  log("Seeding the group tree");
  const tree = await seedGroupTree(orm, tenant, sizes.tree);
  const userIds: string[] = [];
  const steps: MillionStep[] = [];
  for (const users of sizes.steps) {
    log(`Growing to ${users} users`);
    const started = performance.now();
    for (let from = userIds.length; from < users; from += GROWTH_BLOCK) {
      const ids = await seedUsers(orm, tenant, from, Math.min(from + GROWTH_BLOCK, users));
      await seedLeafMemberships(orm, ids, tree.leaf, sizes.groupsPerUser, from);
      userIds.push(...ids);
      log(`  ${userIds.length} users (${Math.round((performance.now() - started) / 1000)} s)`);
    }
    await gatherStatistics(orm, kind);
    const seedSeconds = (performance.now() - started) / 1000;

    const measure = <T>(name: string, run: (seconds: number) => Promise<T>): Promise<T> => {
      log(`▸ ${name} at ${users} users (${sizes.warmUpSeconds} s warm-up, ${sizes.seconds} s measured)`);
      return afterWarmUp(sizes.warmUpSeconds, sizes.seconds, run);
    };
    const lookup = await measure("scim.lookup", (t) => scimLookup(target, users, t, CONNECTIONS));
    const get = await measure("scim.get", (t) => scimGet(target, userIds, t, CONNECTIONS));
    const checks = { userIds, accountIds: tenant.accountIds, permissions: BENCH_PERMISSIONS };
    const canBatch = await measure("graph.can, batches of 100", (t) => graphCanBatch(target, checks, t, CONNECTIONS));
    const step = { users, memberships: users * sizes.groupsPerUser, seedSeconds, lookup, get, canBatch, rssMB: rssMegabytes(server.pid), peakRssMB: peakRssMegabytes(server.pid) };
    log(`  ${lookup.rps} lookups/s, ${get.rps} GETs/s, ${canBatch.checksPerSecond} checks/s; RSS ${step.rssMB} MB, peak ${step.peakRssMB} MB`);
    steps.push(step);
  }
  return steps;
}
