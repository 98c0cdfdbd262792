import { setTimeout as sleep } from "node:timers/promises";
import { AuditEvent } from "../../src/store/entities";
import { fixtures } from "../helpers/graph-fixtures";
import { q, scimClient, scimTenant, type ScimCall, type ScimResponse } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const add = (ids: string[]) => ({ op: "add", path: "members", value: ids.map((value) => ({ value })) });
const remove = (ids: string[]) => ({ op: "remove", path: "members", value: ids.map((value) => ({ value })) });
const user = (userName: string) => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName });

const SET_LIMIT = `mutation($id: ID!, $rate: Int, $burst: Int) {
  updateOrganization(input: {id: $id, membershipRatePerSecond: $rate, membershipBurst: $burst}) { id membershipRatePerSecond membershipBurst }
}`;
const ADD_MEMBER = `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`;

/** GraphQL over HTTP with the response's headers (the helpers' gql leaves them out). */
async function graphql(server: TestServer, query: string, variables: Record<string, unknown>, key = server.adminKey) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: (await response.json()) as { data?: unknown; errors?: unknown[] } };
}

/** The SCIM answer to a request a rate limit refused: 429, Retry-After in whole seconds, the error schema without scimType. */
function expectRateLimited(res: ScimResponse, detail: RegExp): number {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429", detail: expect.stringMatching(detail) });
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  return retryAfter;
}

/**
 * Windows are a second long, so each scenario refuses with a request that cannot fit even once the
 * sustained window restarts: it needs the burst allowance, spent for ⌈(B − R) / R⌉ seconds.
 */
describe("membership rate limit: per organization, per member changed, shared through the database", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /**
   * An organization with a SCIM token, `users` SCIM users and an empty group (the IdP's, or an
   * admin's for GraphQL to change), then its limit set to `rate`/`burst`.
   */
  async function tenant(name: string, users: number, rate: number, burst: number, groupBy: "scim" | "graphql" = "scim") {
    const { organizationId, scim, token } = await scimTenant(server, name);
    const ids: string[] = [];
    for (let i = 0; i < users; i += 1) ids.push((await scim("POST", "/Users", user(`${name}-${i}@acme.test`))).body.id);
    const group = groupBy === "scim"
      ? (await scim("POST", "/Groups", { displayName: `${name} team` })).body.id as string
      : await fixtures(server).group(organizationId, `${name} team`);
    await server.ok(SET_LIMIT, { id: organizationId, rate, burst });
    return { organizationId, scim, token, ids, group };
  }

  const membersOf = async (scim: ScimCall, group: string): Promise<string[]> =>
    ((await scim("GET", `/Groups/${group}?attributes=members`)).body.members ?? []).map((m: { value: string }) => m.value).sort();
  const auditEventsOf = (targetId: string) => server.built.orm.em.fork().count(AuditEvent, { targetId });

  it("counts a PATCH per member (3 added + 2 removed = 5) and refuses the next whole: 429, Retry-After, nothing applied", async () => {
    const { organizationId, scim, ids, group } = await tenant("patches", 8, 1, 10);
    expect((await server.ok(`query($id: ID!) { organization(id: $id) { membershipRatePerSecond membershipBurst } }`, { id: organizationId })).organization)
      .toEqual({ membershipRatePerSecond: 1, membershipBurst: 10 });
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 5))))).status).toBe(204);
    // 5 of the burst of 10 left: 3 in and 2 out take them all.
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(5, 8)), remove(ids.slice(0, 2))))).status).toBe(204);
    const members = await membersOf(scim, group);
    const events = await auditEventsOf(group);

    const refused = await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 2))));
    expectRateLimited(refused, /1 group memberships per second \(bursts of 10\) and this request changes 2: nothing of it was applied; retry in \d+ seconds?$/);
    expect(await membersOf(scim, group)).toEqual(members);
    expect(await auditEventsOf(group)).toBe(events);

    // Another organization's budget is its own.
    const other = await tenant("unaffected", 2, 1, 2);
    expect((await other.scim("PATCH", `/Groups/${other.group}`, ops(add(other.ids)))).status).toBe(204);
  });

  it("refuses one request of more members than the burst as invalid (it could never fit), applying none of it", async () => {
    const { scim, ids, group } = await tenant("oversized", 6, 1, 5);
    const res = await scim("PATCH", `/Groups/${group}`, ops(add(ids)));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
    expect(res.body.detail).toMatch(/changes 6 group memberships, more than this organization may change at once \(5\): send it in parts of at most 5/);
    expect(await membersOf(scim, group)).toEqual([]);
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 5))))).status).toBe(204);
    // Re-sent with one new member, it is counted by what it really changes: 1, over a spent budget.
    expectRateLimited(await scim("PATCH", `/Groups/${group}`, ops(add(ids))), /this request changes 1:/);
  });

  it("counts a group created with N members as N, and refuses the creation whole", async () => {
    const { scim, ids } = await tenant("creates", 5, 1, 3);
    expect((await scim("POST", "/Groups", { displayName: "Three", members: ids.slice(0, 3).map((value) => ({ value })) })).status).toBe(201);
    expectRateLimited(await scim("POST", "/Groups", { displayName: "Two", members: ids.slice(3, 5).map((value) => ({ value })) }), /this request changes 2/);
    expect((await scim("GET", `/Groups?filter=${q('displayName eq "Two"')}`)).body.totalResults).toBe(0);
  });

  it("counts a PUT by the members it really adds and removes: re-sending the same list costs nothing", async () => {
    const { scim, ids, group } = await tenant("puts", 3, 1, 3);
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids)))).status).toBe(204);
    const put = (members: string[]) => scim("PUT", `/Groups/${group}`, { displayName: "puts team", members: members.map((value) => ({ value })) });
    expect((await put(ids)).status).toBe(200);
    expectRateLimited(await put(ids.slice(0, 1)), /this request changes 2/);
    expect(await membersOf(scim, group)).toEqual([...ids].sort());
  });

  it("gives back what changed nothing: re-added members and a request that failed", async () => {
    const { scim, ids, group } = await tenant("refunds", 6, 1, 6);
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 3))))).status).toBe(204);
    // An IdP re-sending members already there, then adds naming a member that does not exist.
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 3))))).status).toBe(204);
    expect((await scim("PATCH", `/Groups/${group}`, ops(add([ids[3], ids[4], "no-such-user"])))).status).toBe(400);
    // Neither took any of the 3 left of the burst of 6.
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(3, 6))))).status).toBe(204);
    expectRateLimited(await scim("PATCH", `/Groups/${group}`, ops(remove(ids.slice(0, 2)))), /this request changes 2/);
  });

  it("refuses a GraphQL membership mutation with RATE_LIMITED and retryAfter, HTTP 429 when nothing else ran", async () => {
    const { ids, group } = await tenant("graphql", 3, 1, 2, "graphql");
    for (const id of ids.slice(0, 2)) await server.ok(ADD_MEMBER, { g: group, u: id });
    const res = await graphql(server, ADD_MEMBER, { g: group, u: ids[2] });
    expect(res.status).toBe(429);
    expect(Number(res.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([expect.objectContaining({
      message: expect.stringMatching(/this organization may change 1 group memberships per second/),
      extensions: { code: "RATE_LIMITED", retryAfter: expect.any(Number) },
    })]);
  });

  it("lets the change through once the client waited Retry-After", async () => {
    const { scim, ids, group } = await tenant("patient", 3, 2, 2);
    expect((await scim("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 2))))).status).toBe(204);
    const retryAfter = expectRateLimited(await scim("PATCH", `/Groups/${group}`, ops(add([ids[2]]))), /this request changes 1/);
    await sleep(retryAfter * 1000);
    expect((await scim("PATCH", `/Groups/${group}`, ops(add([ids[2]])))).status).toBe(204);
    expect(await membersOf(scim, group)).toEqual([...ids].sort());
  });

  it("shares an organization's budget between two servers on one database", async () => {
    const second = await startTestServer({ database: server.database });
    try {
      const { token, ids, group } = await tenant("fleet", 7, 1, 5);
      const onSecond = scimClient(second, token);
      expect((await onSecond("PATCH", `/Groups/${group}`, ops(add(ids.slice(0, 5))))).status).toBe(204);
      expectRateLimited(await scimClient(server, token)("PATCH", `/Groups/${group}`, ops(add(ids.slice(5, 7)))), /this request changes 2/);
    } finally {
      await second.close();
    }
  });

  it("sets an organization's limit over GraphQL: validated, global credentials only, null for the server's default", async () => {
    const org = await fixtures(server).organization("settings");
    const set = (variables: Record<string, unknown>, key?: string) => server.gql(SET_LIMIT, { id: org, ...variables }, key);
    expect((await set({ rate: 10, burst: 5 })).errors?.[0]).toMatchObject({ message: expect.stringMatching(/membershipBurst \(5\) must be at least membershipRatePerSecond \(10\)/), extensions: { code: "BAD_USER_INPUT" } });
    expect((await set({ rate: 0 })).errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect((await set({ burst: -3 })).errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect((await set({ rate: 20, burst: 50 })).data?.updateOrganization).toEqual({ id: org, membershipRatePerSecond: 20, membershipBurst: 50 });
    // A burst below the rate already stored is refused too.
    expect((await set({ burst: 10 })).errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const orgAdmin = await server.createKey("ADMIN", org);
    expect((await set({ rate: 1000 }, orgAdmin)).errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect((await set({ rate: null, burst: null })).data?.updateOrganization).toEqual({ id: org, membershipRatePerSecond: null, membershipBurst: null });
  });
});

describe("per-credential request limit (in each process's memory)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { credentialRatePerSecond: 1, credentialBurst: 3 } });
  });
  afterAll(async () => server.close());

  it("answers GraphQL past the limit with 429, Retry-After and RATE_LIMITED; another key is unaffected", async () => {
    const key = await server.createKey("READER");
    const list = (k: string) => graphql(server, `{ organizations(first: 1) { nodes { id } } }`, {}, k);
    for (let i = 0; i < 3; i += 1) expect((await list(key)).status).toBe(200);
    const refused = await list(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refused.body.errors).toEqual([{ message: expect.stringMatching(/^this credential sent more requests than its limit of 1 per second \(bursts of 3\)/), extensions: { code: "RATE_LIMITED", retryAfter: expect.any(Number) } }]);
    expect((await list(await server.createKey("READER"))).status).toBe(200);
  });

  it("answers SCIM past the limit with 429, Retry-After and the SCIM error; another token is unaffected", async () => {
    // Set up with keys of their own, each far from its limit.
    const org = await fixtures(server, await server.createKey("ADMIN")).organization("Acme");
    const tokenNamed = async (name: string) => (await server.ok(`mutation($o: ID!, $n: String!) { createScimToken(input: {organizationId: $o, name: $n}) { secret } }`,
      { o: org, n: name }, await server.createKey("ADMIN"))).createScimToken.secret as string;
    const token = await tokenNamed("first");
    const other = await tokenNamed("second");
    const scim = scimClient(server, token);
    for (let i = 0; i < 3; i += 1) expect((await scim("GET", "/Users")).status).toBe(200);
    const refused = await scim("GET", "/Users");
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429", detail: expect.stringMatching(/this credential sent more requests/) });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await scimClient(server, other)("GET", "/Users")).status).toBe(200);
  });
});
