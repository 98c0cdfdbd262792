import type { GraphQLSchema } from "graphql";
import { buildGraphSchema } from "../../../src/graph/schema";
import { fixtures as graphFixtures } from "../../helpers/graph-fixtures";
import { fixture, issueScimToken, q, scimClient, type ScimCall } from "../../helpers/scim";
import { startTestServer, type TestServer } from "../../helpers/server";
import { sqlRows, storeViolations } from "../../helpers/store-invariants";
import { buildTenant, type Tenant } from "../../helpers/tenants";
import { describeExchange, exchange, scimProblems, type Exchange } from "./http";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * The directory the fuzzers run against: one server; an organization provisioned over SCIM from
 * the recorded IdP bodies (a pool of users and nested groups the PUT and PATCH fuzzers aim at);
 * a second organization for the GraphQL fuzzers, with an org-scoped key; and a third no one
 * touches. Each answer may show only its own organization's ids.
 */
export interface FuzzedDirectory {
  server: TestServer;
  schema: GraphQLSchema;
  /** The SCIM organization, its token and its pool. */
  organizationId: string;
  token: string;
  scim: ScimCall;
  users: string[];
  groups: string[];
  /** Ids no SCIM answer to this organization's token may show. */
  foreignIds: Set<string>;
  /** The GraphQL organization: keys scoped to it and one id of every kind. */
  graph: Tenant;
  /** Ids no answer to the GraphQL organization's keys may show (unless the request named them). */
  foreignToGraph: string[];
  /** A SCIM request with the organization's token, timed and kept for a failure report. */
  scimExchange(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<Exchange>;
  /** After a write succeeded: the resource reads back, well-formed, and a filter on its id finds exactly it. */
  readBack(endpoint: "/Users" | "/Groups", id: string, after: Exchange): Promise<Exchange>;
  /** Everything wrong with the store now (see `inconsistencies` below); empty when consistent. */
  inconsistencies(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startFuzzedDirectory(): Promise<FuzzedDirectory> {
  const server = await startTestServer();
  const organizationId = await graphFixtures(server).organization("Fuzz");
  const token = await issueScimToken(server, organizationId, "fuzzer");
  const scim = scimClient(server, token);
  const created = async (path: string, body: unknown) => {
    const response = await scim("POST", path, body);
    if (response.status !== 201) throw new Error(`seeding ${path} failed: ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  };
  const users = [
    await created("/Users", fixture("okta/create-user.json")),
    await created("/Users", fixture("entra/create-user.json")),
    await created("/Users", { schemas: [USER], userName: "babs@example.test", name: { givenName: "Barbara" }, emails: [{ value: "babs@example.test", type: "work" }] }),
    await created("/Users", { schemas: [USER], userName: "kim@example.test", active: false, roles: [{ value: "Auditor" }] }),
  ];
  const parent = await created("/Groups", { schemas: [GROUP], displayName: "Engineering", members: [{ value: users[0] }] });
  const child = await created("/Groups", { schemas: [GROUP], displayName: "Platform", members: [{ value: users[1] }, { value: users[2] }] });
  await scim("PATCH", `/Groups/${parent}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: child }] }] });
  const groups = [parent, child, await created("/Groups", fixture("entra/create-group.json"))];
  const graph = await buildTenant(server, "graph");
  const neighbour = await buildTenant(server, "neighbour");

  const scimExchange = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    exchange(method, `${server.url}/scim/v2${path}`, body, {
      authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/scim+json" } : {}), ...headers,
    });

  return {
    server, schema: await buildGraphSchema(), organizationId, token, scim, users, groups, graph,
    foreignIds: new Set([...graph.allIds, ...neighbour.allIds]),
    foreignToGraph: [organizationId, ...users, ...groups, ...neighbour.allIds],
    scimExchange,

    async readBack(endpoint, id, after) {
      const read = await scimExchange("GET", `${endpoint}/${id}`);
      const problems = scimProblems(read);
      if (read.status !== 200 || read.json?.id !== id) problems.push(`the ${endpoint} resource it wrote does not read back`);
      const found = await scimExchange("GET", `${endpoint}?filter=${q(`id eq "${id}"`)}`);
      problems.push(...scimProblems(found));
      if (found.json?.totalResults !== 1) problems.push(`a filter on its id finds ${found.json?.totalResults}`);
      if (problems.length > 0) throw new Error(`${problems.join("; ")}\nafter:\n${describeExchange(after)}\nread:\n${describeExchange(read)}\nfiltered:\n${describeExchange(found)}`);
      return read;
    },

    /**
     * The store is consistent: no dangling, cross-organization or cyclic rows (storeViolations);
     * SCIM's totalResults count the organization's rows; and the two SCIM views of membership
     * agree (a user lists a group as "direct" exactly when the group lists the user as a member,
     * as "indirect" exactly when it reaches the group only through nested groups).
     */
    async inconsistencies() {
      const problems = await storeViolations(server);
      for (const [endpoint, table] of [["/Users", "user"], ["/Groups", "group"]]) {
        const listed = (await scim("GET", `${endpoint}?count=0`)).body.totalResults;
        const [{ n }] = await sqlRows(server, `select count(*) as n from "${table}" where organization_id = ?`, [organizationId]);
        if (listed !== Number(n)) problems.push(`${endpoint} totalResults ${listed}, ${n} rows`);
      }
      problems.push(...(await membershipViewsDisagreeing(scim)));
      return problems;
    },

    close: () => server.close(),
  };
}

async function membershipViewsDisagreeing(scim: ScimCall): Promise<string[]> {
  const all = async (endpoint: string, attributes: string) => {
    const found: Array<Record<string, any>> = [];
    for (let start = 1; ; start += 1000) {
      const page = (await scim("GET", `${endpoint}?attributes=${attributes}&count=1000&startIndex=${start}`)).body;
      found.push(...(page.Resources ?? []));
      if (start + 1000 > page.totalResults) return found;
    }
  };
  const parentsOf = new Map<string, string[]>();
  for (const group of await all("/Groups", "members")) {
    for (const member of group.members ?? []) parentsOf.set(member.value, [...(parentsOf.get(member.value) ?? []), group.id]);
  }
  const problems: string[] = [];
  for (const user of await all("/Users", "groups")) {
    const direct = new Set(parentsOf.get(user.id) ?? []);
    const reached = new Set<string>();
    const queue = [...direct];
    while (queue.length > 0) {
      const group = queue.shift() as string;
      if (reached.has(group)) continue;
      reached.add(group);
      queue.push(...(parentsOf.get(group) ?? []));
    }
    const expected = [...reached].map((g) => `${g}:${direct.has(g) ? "direct" : "indirect"}`).sort();
    const listed = (user.groups ?? []).map((g: { value: string; type: string }) => `${g.value}:${g.type}`).sort();
    if (JSON.stringify(listed) !== JSON.stringify(expected)) problems.push(`user ${user.id} lists groups ${JSON.stringify(listed)}, the groups' members say ${JSON.stringify(expected)}`);
  }
  return problems;
}
