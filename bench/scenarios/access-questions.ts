/**
 * access: the access questions asked the other way round (issue 15), each held to a request the
 * same run measures on the same directory under the same load, so the targets are ratios that
 * mean the same on a faster machine:
 * - whoCan's first page against a page of users with their groups, and whoCan's full count
 *   against the users' count, on the big directory (its group tree, memberships and bindings);
 * - whereCan for a user in many groups bound on many accounts against effectiveAccess of the same
 *   user, on a directory of its own (runWhereCan);
 * - the access review export at two sizes, each on a directory and server of its own, for its
 *   rate and its memory (access-review-export.ts).
 * Every answer is checked before it is timed: whereCan's count against the seed, whoCan's against
 * the directory's users, each first page against `can` (canBatch), each count again at every request.
 */
import type autocannon from "autocannon";
import type { BenchDatabases } from "../database";
import { onFreshDirectory, type OnFreshDirectory } from "../fresh-directory";
import { alternatingRounds, measureRequest, type LoadResult } from "../load";
import { gatherStatistics, seedUserInManyGroups } from "../seed";
import { CONNECTIONS, type BenchSizes } from "../sizes";
import type { BenchTenant } from "../tenant";
import type { AccessReviewExportResult } from "./access-review-export";
import { percentiles, type Latency } from "./graphql-limits";
import type { Credentials, Target } from "./scim";

/** Granted on every account by role 0 (bound organization-wide on every fourth top group, and mapped from Bench-Role-0): see seed.ts. */
export const WHO_CAN_PERMISSION = "area0.read";
/** Granted only by role 4, which the whereCan directory binds on accounts (seedUserInManyGroups). */
export const WHERE_CAN_PERMISSION = "area4.read";
const PAGE = 50;

const WHO_CAN_PAGE = `query($a: ID!, $p: String!) { whoCan(accountId: $a, permission: $p, first: ${PAGE}) { nodes { userId user { id } roles { key grants { kind } } } } }`;
const USERS_PAGE = `query($o: ID!) { users(organizationId: $o, first: ${PAGE}) { nodes { id userName groups { displayName } } } }`;
// first: 0, so the count is all the server computes.
const WHO_CAN_COUNT = `query($a: ID!, $p: String!) { whoCan(accountId: $a, permission: $p, first: 0) { totalCount } }`;
/**
 * What whoCan's count is held to: a count over the organization's users that looks at each of
 * them (their `active`, which no index holds), as counting holders looks at each user's grants.
 */
const USERS_COUNT = `query($o: ID!) { users(organizationId: $o, filter: { active: true }, first: 1) { totalCount } }`;
const WHERE_CAN_PAGE = `query($u: ID!, $p: String!) { whereCan(userId: $u, permission: $p, first: ${PAGE}) { nodes { accountId roles { key } permissions } } }`;
const WHERE_CAN_COUNT = `query($u: ID!, $p: String!) { whereCan(userId: $u, permission: $p, first: 0) { totalCount } }`;
const EFFECTIVE_ACCESS = `query($u: ID!, $a: ID!) { effectiveAccess(userId: $u, accountId: $a) { roles { key } permissions } }`;
const CAN_BATCH = `query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`;

/** Latencies of requests sent one at a time. */
export interface OneAtATime extends Latency {
  requests: number;
}

export interface WhoCanResult {
  /** The directory's users, and those of them holding the permission on the account (whoCan's totalCount). */
  users: number;
  holders: number;
  permission: string;
  /** whoCan, first 50, and users(first: 50) with their groups: CONNECTIONS connections, alternating rounds. */
  page: LoadResult;
  usersPage: LoadResult;
  /** whoCan's totalCount alone, and users' totalCount: one request at a time, alternating. */
  count: OneAtATime;
  usersCount: OneAtATime;
}

export interface WhereCanResult {
  /** The directory's accounts, the user's groups, and the accounts on which the user has the permission (whereCan's totalCount, checked against the seed). */
  accounts: number;
  groups: number;
  accountsWithPermission: number;
  permission: string;
  /** whereCan, first 50, and effectiveAccess of the same user on a random account: CONNECTIONS connections, alternating rounds. */
  page: LoadResult;
  effectiveAccess: LoadResult;
}

/** What the access scenario measured (BenchResults.scenarios.access). */
export interface AccessQuestionsResult {
  whoCan: WhoCanResult;
  whereCan: WhereCanResult;
  /** The export at the smaller and the larger of sizes.exportUsers. */
  export: { small: AccessReviewExportResult; big: AccessReviewExportResult };
}

type Log = (line: string) => void;
type Variables = Record<string, unknown>;

/**
 * whoCan on the big directory (after its group tree, memberships and bindings are seeded), on the
 * tenant's first account: the first page under load against a page of users with their groups,
 * then the full count one request at a time against the users' count.
 */
export async function measureWhoCan(target: Target, tenant: BenchTenant, sizes: BenchSizes, log: Log): Promise<WhoCanResult> {
  const asked = { a: tenant.accountIds[0], p: WHO_CAN_PERMISSION };
  const users = (await graphql<{ users: { totalCount: number } }>(target, USERS_COUNT, { o: tenant.organizationId })).users.totalCount;
  const holders = (await graphql<{ whoCan: { totalCount: number } }>(target, WHO_CAN_COUNT, asked)).whoCan.totalCount;
  if (holders === 0 || holders > users) throw new Error(`whoCan counted ${holders} holders of ${WHO_CAN_PERMISSION} among ${users} users`);
  type Holder = { userId: string; user: { id: string }; roles: Array<{ key: string; grants: unknown[] }> };
  const nodes = (await graphql<{ whoCan: { nodes: Holder[] } }>(target, WHO_CAN_PAGE, asked)).whoCan.nodes;
  if (nodes.length !== Math.min(PAGE, holders) || nodes.some((h) => h.user.id !== h.userId || h.roles.length === 0 || h.roles.some((r) => r.grants.length === 0))) {
    throw new Error(`whoCan's first page is not ${Math.min(PAGE, holders)} holders, each with a role and how it is granted: ${JSON.stringify(nodes).slice(0, 300)}`);
  }
  await expectCan(target, nodes.map((h) => ({ userId: h.userId, accountId: asked.a, permission: asked.p })), "whoCan's first page");

  log(`▸ access.whoCan: first ${PAGE} of the ${holders} holders of ${WHO_CAN_PERMISSION} against ${PAGE} users with their groups, ${users} users (${describeRounds(sizes)})`);
  const [page, usersPage] = await alternatingRounds(
    roundsOf(sizes, (round, a, b) => log(`  round ${round + 1}: whoCan ${a.rps} req/s, users ${b.rps} req/s`)),
    (seconds) => measureRequest(target.url, CONNECTIONS, seconds, graphRequest(target, WHO_CAN_PAGE, () => asked)),
    (seconds) => measureRequest(target.url, CONNECTIONS, seconds, graphRequest(target, USERS_PAGE, () => ({ o: tenant.organizationId }))));

  log(`▸ access.whoCan totalCount alone against users' totalCount, one request at a time, alternating (${sizes.seconds} s)`);
  const [count, usersCount] = await alternatingOneAtATime(sizes,
    () => expectCount(target, WHO_CAN_COUNT, asked, (data: { whoCan: { totalCount: number } }) => data.whoCan.totalCount, holders),
    () => expectCount(target, USERS_COUNT, { o: tenant.organizationId }, (data: { users: { totalCount: number } }) => data.users.totalCount, users));
  return { users, holders, permission: WHO_CAN_PERMISSION, page, usersPage, count, usersCount };
}

/**
 * whereCan on a directory of its own: one user in sizes.whereCanGroups groups bound on
 * sizes.whereCanAccounts accounts (seedUserInManyGroups), its first page against effectiveAccess
 * of the same user on a random account, which reads the same user's facts.
 */
export function runWhereCan(databases: BenchDatabases, sizes: BenchSizes, log: Log): Promise<OnFreshDirectory<WhereCanResult>> {
  return onFreshDirectory(databases, "where_can", async ({ kind, orm, tenant, target }) => {
    log(`▸ access.whereCan: seeding a user in ${sizes.whereCanGroups} groups, ${sizes.whereCanAccounts} accounts, ${sizes.whereCanOtherUsers} other users`);
    const seeded = await seedUserInManyGroups(orm, tenant, { accounts: sizes.whereCanAccounts, groups: sizes.whereCanGroups, otherUsers: sizes.whereCanOtherUsers });
    await gatherStatistics(orm, kind);
    const asked = { u: seeded.userId, p: WHERE_CAN_PERMISSION };
    const expected = seeded.accountsBoundTo.get(tenant.roleIds[4])?.size ?? 0;
    const accountsWithPermission = (await graphql<{ whereCan: { totalCount: number } }>(target, WHERE_CAN_COUNT, asked)).whereCan.totalCount;
    if (accountsWithPermission !== expected) throw new Error(`whereCan counted ${accountsWithPermission} accounts where the user has ${WHERE_CAN_PERMISSION}, the seed bound it on ${expected}`);
    const nodes = (await graphql<{ whereCan: { nodes: Array<{ accountId: string; roles: unknown[] }> } }>(target, WHERE_CAN_PAGE, asked)).whereCan.nodes;
    if (nodes.length !== Math.min(PAGE, expected) || nodes.some((node) => node.roles.length === 0)) throw new Error(`whereCan's first page: ${JSON.stringify(nodes).slice(0, 300)}`);
    await expectCan(target, nodes.map((node) => ({ userId: seeded.userId, accountId: node.accountId, permission: WHERE_CAN_PERMISSION })), "whereCan's first page");

    log(`▸ access.whereCan: first ${PAGE} of ${expected} accounts against effectiveAccess of the same user (${describeRounds(sizes)})`);
    const randomAccount = () => seeded.accountIds[Math.floor(Math.random() * seeded.accountIds.length)];
    const [page, effectiveAccess] = await alternatingRounds(
      roundsOf(sizes, (round, a, b) => log(`  round ${round + 1}: whereCan ${a.rps} req/s, effectiveAccess ${b.rps} req/s`)),
      (seconds) => measureRequest(target.url, CONNECTIONS, seconds, graphRequest(target, WHERE_CAN_PAGE, () => asked)),
      (seconds) => measureRequest(target.url, CONNECTIONS, seconds, graphRequest(target, EFFECTIVE_ACCESS, () => ({ u: seeded.userId, a: randomAccount() }))));
    return { accounts: seeded.accountIds.length, groups: sizes.whereCanGroups, accountsWithPermission, permission: WHERE_CAN_PERMISSION, page, effectiveAccess };
  });
}

/** A POST /graphql for autocannon, its variables drawn afresh for each request. */
function graphRequest(target: Credentials, query: string, variables: () => Variables): autocannon.Request {
  return {
    method: "POST",
    path: "/graphql",
    headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
    setupRequest: (request) => {
      request.body = JSON.stringify({ query, variables: variables() });
      return request;
    },
  };
}

/** One GraphQL request; any error, in HTTP or in the answer, fails the bench. */
async function graphql<T>(target: Target, query: string, variables: Variables): Promise<T> {
  const response = await fetch(`${target.url}/graphql`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data) throw new Error(`${query.slice(0, 60)}…: ${response.status} ${JSON.stringify(body).slice(0, 500)}`);
  return body.data;
}

/** Every answer of a page holds by `can` too: the questions asked the other way round agree with the one they invert. */
async function expectCan(target: Target, checks: Array<{ userId: string; accountId: string; permission: string }>, what: string): Promise<void> {
  const answers = (await graphql<{ canBatch: boolean[] }>(target, CAN_BATCH, { c: checks })).canBatch;
  const denied = checks.filter((_, i) => !answers[i]);
  if (denied.length > 0) throw new Error(`${what}: can denies ${denied.length} of its ${checks.length} answers, e.g. ${JSON.stringify(denied[0])}`);
}

/** Sends a count and checks it is the one counted before (nothing changes the directory meanwhile). */
async function expectCount<T>(target: Target, query: string, variables: Variables, countOf: (data: T) => number, expected: number): Promise<void> {
  const count = countOf(await graphql<T>(target, query, variables));
  if (count !== expected) throw new Error(`${query.slice(0, 60)}… counted ${expected}, now ${count}`);
}

/**
 * Two requests one at a time, alternating (a, b, a, b, …) for sizes.seconds after sizes.warmUpSeconds
 * unmeasured, at least 5 of each: their latencies over the same stretch of a shared machine.
 */
async function alternatingOneAtATime(sizes: BenchSizes, a: () => Promise<void>, b: () => Promise<void>): Promise<[OneAtATime, OneAtATime]> {
  const timed = async (send: () => Promise<void>) => {
    const started = performance.now();
    await send();
    return performance.now() - started;
  };
  for (const until = performance.now() + sizes.warmUpSeconds * 1000; performance.now() < until;) {
    await a();
    await b();
  }
  const aTimes: number[] = [];
  const bTimes: number[] = [];
  for (const until = performance.now() + sizes.seconds * 1000; performance.now() < until || aTimes.length < 5;) {
    aTimes.push(await timed(a));
    bTimes.push(await timed(b));
  }
  return [{ requests: aTimes.length, ...percentiles(aTimes) }, { requests: bTimes.length, ...percentiles(bTimes) }];
}

/** Rounds as scim.lookup takes them: a warm-up of each, then lookupRounds rounds of half the measured seconds each. */
function roundsOf(sizes: BenchSizes, onRound: (round: number, a: LoadResult, b: LoadResult) => void) {
  return { warmUpSeconds: sizes.warmUpSeconds, rounds: sizes.lookupRounds, roundSeconds: Math.max(1, Math.round(sizes.seconds / 2)), onRound };
}

function describeRounds(sizes: BenchSizes): string {
  const { rounds, roundSeconds } = roundsOf(sizes, () => undefined);
  return `${CONNECTIONS} connections, ${sizes.warmUpSeconds} s warm-up each, ${rounds} alternating rounds of ${roundSeconds} s`;
}
