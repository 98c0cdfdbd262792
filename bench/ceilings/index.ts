/**
 * Ceilings: what the stack itself manages on this machine, measured in the same run as the
 * scenarios, so results can be reported as fractions that survive a noisy or slower machine.
 * Among them a peer: SCIMMY, a SCIM server keeping its users in memory (scimmy-server.ts), driven
 * with scim.create's and scim.lookup's own requests.
 */
import { join } from "node:path";
import { measureLoad, type LoadOptions, type LoadResult } from "../load";
import { startChild, type Child } from "./child";
import type { BenchDatabases } from "../database";
import { createUserRequest, lookupRequest } from "../scenarios/scim";
import { peerCredentials, seedPeer, verifyPeer } from "./scimmy-peer";
import { measureOrmInserts, measurePreparedAutocommit, measureRawInserts, type StorageCeilingOptions } from "./storage";

export { startChild, type Child, type ChildOptions } from "./child";
export { measureOrmInserts, measurePreparedAutocommit, measureRawInserts } from "./storage";

export interface Ceilings {
  http: LoadResult;
  graphqlCan: LoadResult;
  graphqlBatch: LoadResult & { checksPerSecond: number };
  storageRawTransaction: { rowsPerSecond: number };
  storagePreparedAutocommit: { rowsPerSecond: number };
  storageOrm: { rowsPerSecond: number };
  /**
   * SCIMMY, the in-memory peer (scimmy-server.ts): scim.create's POST /Users and scim.lookup's
   * request over a directory of `users`, at the scenarios' connections and duration. Absent from
   * runs recorded before it existed.
   */
  scimmyCreate?: LoadResult;
  scimmyLookup?: LoadResult & { users: number };
}

export interface CeilingOptions {
  /** The database under test: the storage ceilings each measure in a fresh one of its kind. */
  databases: BenchDatabases;
  seconds: number;
  connections: number;
  /** Users in the SCIMMY peer's directory for its lookup: scim.lookup's small directory. */
  peerUsers: number;
  /** False skips the warm-ups below (the quick run, which only proves the paths run). Default true. */
  warmUp?: boolean;
  progress?: (line: string) => void;
}

export const CEILING_BATCH_SIZE = 100;
/**
 * Unmeasured requests before each HTTP ceiling, counted in requests because JIT tiering goes by
 * calls. Measured here: a fresh GraphQL server answers a batch of 100 at ~900 req/s in its first
 * second and levels off near 2,000 only after ~4,000 batches; `can` and plain HTTP level off
 * within their first second. Without this the ceiling is a cold-start figure. SCIMMY's write, in
 * process, costs half as much again over its first 1,000 calls as after them; 3,000 requests of
 * each kind are about the seconds of warm-up the scenarios it is compared with get.
 */
export const WARM_UP_REQUESTS = { http: 20_000, graphqlCan: 10_000, graphqlBatch: 4_000, scimmyLookup: 3_000, scimmyCreate: 3_000 };

const CAN = `query($u: ID!, $a: ID!, $p: String!) { can(userId: $u, accountId: $a, permission: $p) }`;
const CAN_BATCH = `query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`;
// Apollo's CSRF prevention refuses a POST without a JSON content type.
const JSON_HEADERS = { "content-type": "application/json" };

/**
 * Checks drawn at random per request, as bench/scenarios/graph.ts draws them: the load generator
 * shares the cores with the server, so the ceiling must cost it the same work as the scenario.
 */
const ids = (prefix: string) => Array.from({ length: 50 }, (_, i) => `0193f0c2-7a1e-7cc3-9b55-${prefix}${String(i).padStart(10, "0")}`);
const USER_IDS = ids("aa");
const ACCOUNT_IDS = ids("bb");
const PERMISSIONS = ["billing.read", "billing.write", "projects.read", "projects.write", "members.invite"];
const randomOf = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
const randomCheck = () => ({ userId: randomOf(USER_IDS), accountId: randomOf(ACCOUNT_IDS), permission: randomOf(PERMISSIONS) });

function graphqlRequests(body: () => object): LoadOptions["requests"] {
  return [{
    method: "POST",
    path: "/graphql",
    headers: JSON_HEADERS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify(body()) }),
  }];
}

/** Starts a compiled server next to this file, runs `body` against it, and always stops it. */
async function withChild<T>(script: string, body: (child: Child) => Promise<T>, env: NodeJS.ProcessEnv = {}): Promise<T> {
  const child = await startChild(join(__dirname, script), env);
  try {
    return await body(child);
  } finally {
    await child.stop();
  }
}

export async function measureCeilings(options: CeilingOptions): Promise<Ceilings> {
  const { databases, seconds, connections } = options;
  const warmUp = options.warmUp ?? true;
  const progress = options.progress ?? (() => undefined);
  const load = async (name: string, warmUpRequests: number, settings: Omit<LoadOptions, "connections" | "duration">): Promise<LoadResult> => {
    // One-second rounds until enough requests: measureLoad's `amount` passes `duration: undefined`
    // through, which autocannon rejects.
    if (warmUp) {
      for (let sent = 0; sent < warmUpRequests; ) sent += (await measureLoad({ ...settings, connections, duration: 1 })).requests;
    }
    const result = await measureLoad({ ...settings, connections, duration: seconds });
    progress(`  ceiling ${name}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
    return result;
  };

  const http = await withChild("http-constant-server.js", (child) =>
    // An explicit method: measureLoad passes `method: undefined` through, which autocannon rejects.
    load("http", WARM_UP_REQUESTS.http, { url: `${child.url}/constant`, path: "/constant", method: "GET" }));

  const { graphqlCan, graphqlBatch } = await withChild("graphql-constant-server.js", async (child) => {
    const can = await load("graphql can", WARM_UP_REQUESTS.graphqlCan, {
      url: child.url,
      path: "/graphql (can)",
      requests: graphqlRequests(() => {
        const check = randomCheck();
        return { query: CAN, variables: { u: check.userId, a: check.accountId, p: check.permission } };
      }),
    });
    const batch = await load(`graphql canBatch of ${CEILING_BATCH_SIZE}`, WARM_UP_REQUESTS.graphqlBatch, {
      url: child.url,
      path: "/graphql (canBatch)",
      requests: graphqlRequests(() => ({ query: CAN_BATCH, variables: { c: Array.from({ length: CEILING_BATCH_SIZE }, randomCheck) } })),
    });
    return { graphqlCan: can, graphqlBatch: { ...batch, checksPerSecond: batch.rps * CEILING_BATCH_SIZE } };
  });

  const peer = peerCredentials();
  const { scimmyCreate, scimmyLookup } = await withChild("scimmy-server.js", async (child) => {
    await verifyPeer(child.url, peer);
    await seedPeer(child.url, peer, options.peerUsers);
    // measureLoad fails the run on any non-2xx answer: a peer answering 400 or 409 fast is no ceiling.
    const lookup = await load(`SCIMMY lookup at ${options.peerUsers} users`, WARM_UP_REQUESTS.scimmyLookup, {
      url: child.url,
      path: "/scim/v2/Users (SCIMMY lookup)",
      requests: [lookupRequest(peer, options.peerUsers)],
    });
    // One request object for the warm-up and the measured run: its counter keeps every userName new.
    const create = await load("SCIMMY POST /Users", WARM_UP_REQUESTS.scimmyCreate, {
      url: child.url,
      path: "/scim/v2/Users (SCIMMY create)",
      requests: [createUserRequest(peer, "peer")],
    });
    return { scimmyCreate: create, scimmyLookup: { ...lookup, users: options.peerUsers } };
  }, { SCIMMY_PEER_TOKEN: peer.scimToken });

  // Storage last and with no server running, so nothing else competes for the cores.
  const rows = async (name: string, measure: (options: StorageCeilingOptions) => Promise<{ rowsPerSecond: number }>) => {
    const result = await measure({ databases, seconds, warmUp });
    progress(`  ceiling ${name}: ${result.rowsPerSecond} rows/s`);
    return result;
  };
  const storageRawTransaction = await rows("storage raw BEGIN/INSERT/COMMIT", measureRawInserts);
  const storagePreparedAutocommit = await rows("storage prepared autocommit", measurePreparedAutocommit);
  const storageOrm = await rows("storage ORM flush", measureOrmInserts);

  return { http, graphqlCan, graphqlBatch, storageRawTransaction, storagePreparedAutocommit, storageOrm, scimmyCreate, scimmyLookup };
}
