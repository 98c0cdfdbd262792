/**
 * The fleet (`npm run bench -- --processes N`): N idgraph processes on one database, measured
 * against one process under the same load — CONNECTIONS connections, which autocannon spreads
 * round-robin over the processes' URLs — for scim.lookup, scim.create and graph.can batches.
 * Each scenario warms both up, then alternates rounds (1 process, N, 1, N, …) so the two rates are
 * taken over the same minutes, as scim.lookup's two directory sizes are (see run.ts). Every
 * error and non-2xx answer is counted, not thrown: two processes on one SQLite file contend for
 * its write lock, and what that costs is what the fleet is run to see.
 */
import type autocannon from "autocannon";
import type { Child } from "./ceilings/child";
import { startIdgraph } from "./idgraph-process";
import { combineSpreadRounds, measureSpreadLoad, type SpreadLoadOptions, type SpreadLoadResult } from "./load";
import { peakRssMegabytes } from "./memory";
import { canBatchRequest, BATCH_SIZE, type CheckPool } from "./scenarios/graph";
import { createUserRequest, lookupRequest, type Credentials } from "./scenarios/scim";
import { CONNECTIONS, type BenchSizes } from "./sizes";

/** One scenario on one process and on N. */
export interface FleetLoads {
  one: SpreadLoadResult;
  many: SpreadLoadResult;
}

export interface FleetResult {
  processes: number;
  connections: number;
  lookup: FleetLoads;
  /** Users counted over SCIM after each round (new userNames per round), against the round's 2xx answers. */
  create: FleetLoads & { stored: { one: number; many: number } };
  canBatch: FleetLoads & { checksPerSecond: { one: number; many: number } };
  /** Peak RSS (VmHWM) of each process in MB; the first also served the 1-process rounds. */
  peakRssMB: number[];
}

export interface FleetOptions {
  /** A migrated and seeded database: its users `userNameOf(0 … directorySize - 1)`, the checks' groups and roles. */
  databaseUrl: string;
  processes: number;
  sizes: BenchSizes;
  credentials: Credentials;
  directorySize: number;
  checks: CheckPool;
  log: (line: string) => void;
}

/** How long a run is: seconds, or a number of requests (each answered before the run returns). */
type RunLength = Pick<SpreadLoadOptions, "duration" | "amount">;

export async function measureFleet(options: FleetOptions): Promise<FleetResult> {
  const { sizes, credentials, log } = options;
  const servers: Child[] = [];
  try {
    // One after the other: each checks at start that the (already migrated) schema is current.
    for (let i = 0; i < options.processes; i += 1) servers.push(await startIdgraph(options.databaseUrl));
    const urls = servers.map((server) => server.url);
    const spread = (request: () => autocannon.Request) => (on: string[], length: RunLength) =>
      measureSpreadLoad({ urls: on, connections: CONNECTIONS, ...length, request: request() });
    const roundSeconds = Math.max(1, Math.round(sizes.seconds / sizes.fleetRounds));
    const alternate = (name: string, measured: RunLength, run: (on: string[], length: RunLength) => Promise<SpreadLoadResult>) =>
      alternateRounds({ name, urls, sizes, measured, run, log });

    const lookup = await alternate(`scim.lookup at ${options.directorySize} users`, { duration: roundSeconds },
      spread(() => lookupRequest(credentials, options.directorySize)));

    // Each run creates users under a prefix of its own, counted through the last process once the
    // run is over (every request answered): a write acknowledged by any process is there for all.
    const stored = { one: 0, many: 0 };
    let runs = 0;
    const create = await alternate(`scim.create, ${sizes.fleetCreates} per round`, { amount: sizes.fleetCreates }, async (on, length) => {
      runs += 1;
      const prefix = `fleet-${Date.now()}-${runs}`;
      const result = await spread(() => createUserRequest(credentials, prefix))(on, length);
      if (length.amount) stored[on.length > 1 ? "many" : "one"] += await countUsers(urls[urls.length - 1], credentials, prefix);
      return result;
    });

    const canBatch = await alternate(`graph.can, batches of ${BATCH_SIZE}`, { duration: roundSeconds },
      spread(() => canBatchRequest(credentials, options.checks)));

    return {
      processes: options.processes,
      connections: CONNECTIONS,
      lookup,
      create: { ...create, stored },
      canBatch: { ...canBatch, checksPerSecond: { one: canBatch.one.rps * BATCH_SIZE, many: canBatch.many.rps * BATCH_SIZE } },
      peakRssMB: servers.map((server) => peakRssMegabytes(server.pid)),
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}

interface Rounds {
  name: string;
  urls: string[];
  sizes: BenchSizes;
  measured: RunLength;
  run: (on: string[], length: RunLength) => Promise<SpreadLoadResult>;
  log: (line: string) => void;
}

/** A warm-up on 1 process and on all of them, then `fleetRounds` measured rounds of each, alternating. */
async function alternateRounds({ name, urls, sizes, measured, run, log }: Rounds): Promise<FleetLoads> {
  const length = measured.amount ? `${measured.amount} requests` : `${measured.duration} s`;
  log(`▸ fleet: ${name} (${sizes.warmUpSeconds} s warm-up each, ${sizes.fleetRounds} alternating rounds of ${length} on 1 and on ${urls.length} processes)`);
  if (sizes.warmUpSeconds > 0) {
    await run(urls.slice(0, 1), { duration: sizes.warmUpSeconds });
    await run(urls, { duration: sizes.warmUpSeconds });
  }
  const one: SpreadLoadResult[] = [];
  const many: SpreadLoadResult[] = [];
  for (let round = 0; round < sizes.fleetRounds; round += 1) {
    one.push(await run(urls.slice(0, 1), measured));
    many.push(await run(urls, measured));
    log(`  round ${round + 1}: ${describeRun(one[round])} on 1 process, ${describeRun(many[round])} on ${urls.length}`);
  }
  return { one: combineSpreadRounds(one), many: combineSpreadRounds(many) };
}

function describeRun(result: SpreadLoadResult): string {
  const failures = result.errors + result.non2xx > 0 ? ` (${describeFailures(result)})` : "";
  return `${result.rps} req/s${failures}`;
}

/** "0", or what went wrong: "3 socket errors, 500 × 12". */
export function describeFailures(result: Pick<SpreadLoadResult, "errors" | "statuses">): string {
  const statuses = Object.entries(result.statuses).filter(([status]) => !status.startsWith("2")).map(([status, count]) => `${status} × ${count}`);
  const parts = [...(result.errors > 0 ? [`${result.errors} socket errors or timeouts`] : []), ...statuses];
  return parts.length > 0 ? parts.join(", ") : "0";
}

/** Users whose userName starts with `<prefix>-`, as SCIM's totalResults counts them. */
async function countUsers(url: string, credentials: Credentials, prefix: string): Promise<number> {
  const filter = encodeURIComponent(`userName sw "${prefix}-"`);
  const response = await fetch(`${url}/scim/v2/Users?filter=${filter}&count=0`, { headers: { authorization: `Bearer ${credentials.scimToken}` } });
  const body = (await response.json()) as { totalResults?: number };
  if (response.status !== 200 || typeof body.totalResults !== "number") throw new Error(`counting ${prefix}'s users answered ${response.status}: ${JSON.stringify(body)}`);
  return body.totalResults;
}
