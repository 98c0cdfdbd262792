/**
 * `npm run bench -- --size 1m` (not in CI): issue 13's million users. One directory on the
 * database under test, grown in steps (MILLION: 1,000 → 100,000 → 1,000,000 users) while one
 * server process serves it throughout, and measured after each step: scim.lookup, scim.get and
 * graph.can batches, and the server's RSS. The 10,000 groups are seeded before the first step,
 * each user put in 3 of them as it is seeded, so what one request does (one index search, one
 * check walking three groups and their parents) is the same at every step and only the
 * directory's size changes.
 *
 * Flatness compares the grown directory with a reference directory of the first step's size (its
 * own database and server, seeded the same way), measured at every step in rounds alternating
 * with the grown one's: the steps are many minutes apart, and on a shared machine two rates taken
 * minutes apart differ by more than the 10% flatness allows (see alternatingRounds).
 */
import type { BenchDatabases } from "./database";
import { onFreshDirectory, type FreshDirectory } from "./fresh-directory";
import { alternatingRounds, type LoadResult } from "./load";
import { peakRssMegabytes, rssMegabytes } from "./memory";
import { evaluateMillion, renderMillion, type MillionResults, type MillionStep, type StepLoads } from "./million-report";
import type { RecordedRun } from "./output";
import { runInfo } from "./report";
import { BATCH_SIZE, BENCH_PERMISSIONS, graphCanBatch } from "./scenarios/graph";
import { scimGet, scimLookup } from "./scenarios/scim";
import { gatherStatistics, seedGroupTree, seedLeafMemberships, seedUsers, type GroupTree } from "./seed";
import { CONNECTIONS, MILLION, MILLION_QUICK, type MillionSizes } from "./sizes";

/** Users seeded at a time with their memberships: progress shows, and no transaction holds millions of rows. */
const GROWTH_BLOCK = 50_000;

type Log = (line: string) => void;

export async function benchMillion(databases: BenchDatabases, mode: "full" | "quick", log: Log): Promise<RecordedRun> {
  const sizes = mode === "quick" ? MILLION_QUICK : MILLION;
  const database = await databases.describe();
  log(`idgraph million-user bench (${mode}) on ${database}: steps of ${sizes.steps.join(", ")} users`);
  const { result: { result: steps } } = await onFreshDirectory(databases, "million_reference", (reference) =>
    onFreshDirectory(databases, "million", (grown) => growAndMeasure(reference, grown, sizes, log)));
  const { tree } = sizes;
  const results: MillionResults = {
    ...runInfo(databases.kind, database, mode),
    sizes,
    groups: tree.top * (1 + tree.midPerTop * (1 + tree.leafPerMid)),
    steps,
  };
  return { name: `${results.date}-${results.db}-1m`, results, markdown: renderMillion(results), checks: evaluateMillion(results), readmeBlock: `${results.db}:1m` };
}

/** A directory being grown: its groups, and the ids of the users seeded so far (user i is `userNameOf(i)`). */
interface Growing {
  directory: FreshDirectory;
  tree: GroupTree;
  userIds: string[];
}

async function growAndMeasure(reference: FreshDirectory, grown: FreshDirectory, sizes: MillionSizes, log: Log): Promise<MillionStep[]> {
  log(`Reference directory: ${sizes.steps[0]} users`);
  const small = await startGrowing(reference, sizes);
  await growTo(small, sizes.steps[0], sizes, log);
  const big = await startGrowing(grown, sizes);
  const steps: MillionStep[] = [];
  for (const users of sizes.steps) {
    log(`Growing to ${users} users`);
    const started = performance.now();
    await growTo(big, users, sizes, log);
    const seedSeconds = (performance.now() - started) / 1000;
    const [referenceLoads, loads] = await measurePair(small, big, sizes, log);
    const { pid } = grown.server;
    const step: MillionStep = { users, memberships: users * sizes.groupsPerUser, seedSeconds, ...loads, reference: referenceLoads, rssMB: rssMegabytes(pid), peakRssMB: peakRssMegabytes(pid) };
    log(`  ${loads.lookup.rps} lookups/s, ${loads.get.rps} GETs/s, ${loads.canBatch.checksPerSecond} checks/s; RSS ${step.rssMB} MB, peak ${step.peakRssMB} MB`);
    steps.push(step);
  }
  return steps;
}

async function startGrowing(directory: FreshDirectory, sizes: MillionSizes): Promise<Growing> {
  return { directory, tree: await seedGroupTree(directory.orm, directory.tenant, sizes.tree), userIds: [] };
}

/** Seeds users (each in `groupsPerUser` leaf groups) until the directory has `users`, then gathers statistics. */
async function growTo(growing: Growing, users: number, sizes: MillionSizes, log: Log): Promise<void> {
  const { orm, tenant, kind } = growing.directory;
  const started = performance.now();
  for (let from = growing.userIds.length; from < users; from += GROWTH_BLOCK) {
    const ids = await seedUsers(orm, tenant, from, Math.min(from + GROWTH_BLOCK, users));
    await seedLeafMemberships(orm, ids, growing.tree.leaf, sizes.groupsPerUser, from);
    growing.userIds.push(...ids);
    log(`  ${growing.userIds.length} users (${Math.round((performance.now() - started) / 1000)} s)`);
  }
  await gatherStatistics(orm, kind);
}

/** The three scenarios, each on the reference directory and the grown one in alternating rounds. */
async function measurePair(small: Growing, big: Growing, sizes: MillionSizes, log: Log): Promise<[StepLoads, StepLoads]> {
  const roundSeconds = Math.max(1, Math.round(sizes.seconds / sizes.rounds));
  const pair = (name: string, run: (growing: Growing, seconds: number) => Promise<LoadResult>) => {
    log(`▸ ${name} at ${small.userIds.length} and ${big.userIds.length} users (${sizes.warmUpSeconds} s warm-up each, ${sizes.rounds} alternating rounds of ${roundSeconds} s)`);
    return alternatingRounds({ warmUpSeconds: sizes.warmUpSeconds, rounds: sizes.rounds, roundSeconds }, (t) => run(small, t), (t) => run(big, t));
  };
  const [smallLookup, bigLookup] = await pair("scim.lookup", ({ directory, userIds }, t) => scimLookup(directory.target, userIds.length, t, CONNECTIONS));
  const [smallGet, bigGet] = await pair("scim.get", ({ directory, userIds }, t) => scimGet(directory.target, userIds, t, CONNECTIONS));
  const [smallCan, bigCan] = await pair("graph.can, batches of 100", ({ directory, userIds }, t) =>
    graphCanBatch(directory.target, { userIds, accountIds: directory.tenant.accountIds, permissions: BENCH_PERMISSIONS }, t, CONNECTIONS));
  // combineRounds keeps the rate of requests; a batch is BATCH_SIZE checks.
  const checks = (x: LoadResult) => ({ ...x, checksPerSecond: x.rps * BATCH_SIZE });
  return [{ lookup: smallLookup, get: smallGet, canBatch: checks(smallCan) }, { lookup: bigLookup, get: bigGet, canBatch: checks(bigCan) }];
}
