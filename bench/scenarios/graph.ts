import type autocannon from "autocannon";
import { measureRequest, type LoadResult } from "../load";
import type { Credentials, Target } from "./scim";

const CAN_BATCH = `query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`;
const CAN = `query($u: ID!, $a: ID!, $p: String!) { can(userId: $u, accountId: $a, permission: $p) }`;
export const BATCH_SIZE = 100;

/** The permissions graph.can asks about: some granted by the seeded roles (seed.ts), one granted by none. */
export const BENCH_PERMISSIONS = ["area0.read", "area3.write", "area5.read", "area7.write", "nothing.here"];

export interface CheckPool {
  userIds: string[];
  accountIds: string[];
  permissions: string[];
}

const randomOf = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
const randomCheck = (pool: CheckPool) => ({ userId: randomOf(pool.userIds), accountId: randomOf(pool.accountIds), permission: randomOf(pool.permissions) });
const graphHeaders = (target: Credentials) => ({ authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" });

/** graph.can (batch): canBatch with 100 random checks per request. */
export async function graphCanBatch(target: Target, pool: CheckPool, seconds: number, connections: number): Promise<LoadResult & { checksPerSecond: number }> {
  const result = await measureRequest(target.url, connections, seconds, canBatchRequest(target, pool));
  return { ...result, checksPerSecond: result.rps * BATCH_SIZE };
}

/** The request of graph.can (batch). */
export function canBatchRequest(target: Credentials, pool: CheckPool): autocannon.Request {
  return {
    method: "POST",
    path: "/graphql",
    headers: graphHeaders(target),
    setupRequest: (request) => {
      request.body = JSON.stringify({ query: CAN_BATCH, variables: { c: Array.from({ length: BATCH_SIZE }, () => randomCheck(pool)) } });
      return request;
    },
  };
}

/** graph.can (single): one `can` per request, one request at a time, for its p99. */
export async function graphCanSingle(target: Target, pool: CheckPool, seconds: number): Promise<LoadResult> {
  return measureRequest(target.url, 1, seconds, {
    method: "POST",
    path: "/graphql",
    headers: graphHeaders(target),
    setupRequest: (request) => {
      const check = randomCheck(pool);
      request.body = JSON.stringify({ query: CAN, variables: { u: check.userId, a: check.accountId, p: check.permission } });
      return request;
    },
  });
}
