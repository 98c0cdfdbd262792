import fc from "fast-check";
import type { GraphQLSchema } from "graphql";
import { buildGraphSchema } from "../../src/graph/schema";
import { fixtures as graphFixtures } from "../helpers/graph-fixtures";
import { fixture, issueScimToken, q, scimClient, type ScimCall } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";
import { sqlRows, storeViolations } from "../helpers/store-invariants";
import { buildTenant, type Tenant } from "../helpers/tenants";
import { aliasFlood, damagedRequest, fragmentFanOut, graphRequest, type GraphRequest } from "./support/graphql-documents";
import { AnswerProblem, assertGraphAnswer, assertScimAnswer, describeExchange, exchange, graphProblems, scimProblems, type Exchange } from "./support/http";
import { jsonMutation, mutateJson, serializeJson } from "./support/json-mutations";
import { FUZZ_SEED, LONG_RUN, PROPERTY_TIMEOUT_MS, SKIP_KNOWN, checkProperty, fuzzParameters, knownDefectIn, tracked } from "./support/run";
import { damagedFilter, deepFilter, listParameters, scimFilter, wideFilter } from "./support/scim-filters";
import { groupPatch, userPatch } from "./support/scim-patches";

/**
 * Property-based fuzzing of one running server: mutated IdP bodies, generated filters and PATCH
 * documents on SCIM, generated and damaged documents on GraphQL. Whatever arrives, the server
 * answers in time, never with a 5xx, always in its protocol's error format, and the store stays
 * consistent (checked after every property). `npm run fuzz` runs the same properties far longer.
 */

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe(`Fuzzing SCIM and GraphQL on one server (seed ${FUZZ_SEED}${LONG_RUN ? ", long run" : ""})`, () => {
  let server: TestServer;
  let organizationId: string;
  let token: string;
  let scim: ScimCall;
  let users: string[];
  let groups: string[];
  /** Ids of two other organizations: no SCIM answer to this organization's token may show one. */
  let foreignIds: Set<string>;
  let graph: Tenant;
  let schema: GraphQLSchema;

  beforeAll(async () => {
    server = await startTestServer();
    organizationId = await graphFixtures(server).organization("Fuzz");
    token = await issueScimToken(server, organizationId, "fuzzer");
    scim = scimClient(server, token);
    const created = async (path: string, body: unknown) => {
      const response = await scim("POST", path, body);
      if (response.status !== 201) throw new Error(`seeding ${path} failed: ${JSON.stringify(response.body)}`);
      return response.body.id as string;
    };
    users = [
      await created("/Users", fixture("okta/create-user.json")),
      await created("/Users", fixture("entra/create-user.json")),
      await created("/Users", { schemas: [USER], userName: "babs@example.test", name: { givenName: "Barbara" }, emails: [{ value: "babs@example.test", type: "work" }] }),
      await created("/Users", { schemas: [USER], userName: "kim@example.test", active: false, roles: [{ value: "Auditor" }] }),
    ];
    const parent = await created("/Groups", { schemas: [GROUP], displayName: "Engineering", members: [{ value: users[0] }] });
    const child = await created("/Groups", { schemas: [GROUP], displayName: "Platform", members: [{ value: users[1] }, { value: users[2] }] });
    await scim("PATCH", `/Groups/${parent}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: child }] }] });
    groups = [parent, child, await created("/Groups", fixture("entra/create-group.json"))];
    graph = await buildTenant(server, "graph");
    const neighbour = await buildTenant(server, "neighbour");
    foreignIds = new Set([...graph.allIds, ...neighbour.allIds]);
    schema = await buildGraphSchema();
  }, 120_000);
  afterAll(async () => server?.close());

  afterEach(async () => {
    expect(await storeViolations(server)).toEqual([]);
    expect(await membershipViewsDisagreeing()).toEqual([]);
    for (const [endpoint, table] of [["/Users", "user"], ["/Groups", "group"]]) {
      const listed = await scim("GET", `${endpoint}?count=0`);
      const [{ n }] = await sqlRows(server, `select count(*) as n from "${table}" where organization_id = ?`, [organizationId]);
      expect({ endpoint, totalResults: listed.body.totalResults }).toEqual({ endpoint, totalResults: n });
    }
  });

  /**
   * The two SCIM views of membership agree: a user lists a group as "direct" exactly when the
   * group lists the user as a member, and as "indirect" exactly when it reaches the group only
   * through nested groups.
   */
  async function membershipViewsDisagreeing(): Promise<string[]> {
    const all = async (endpoint: string, attributes: string) => {
      const found: any[] = [];
      for (let start = 1; ; start += 1000) {
        const page = (await scim("GET", `${endpoint}?attributes=${attributes}&count=1000&startIndex=${start}`)).body;
        found.push(...(page.Resources ?? []));
        if (start + 1000 > page.totalResults) return found;
      }
    };
    const groupsListed = await all("/Groups", "members");
    const usersListed = await all("/Users", "groups");
    const parentsOf = new Map<string, string[]>();
    for (const group of groupsListed) {
      for (const member of group.members ?? []) parentsOf.set(member.value, [...(parentsOf.get(member.value) ?? []), group.id]);
    }
    const problems: string[] = [];
    for (const user of usersListed) {
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

  const scimUrl = (path: string) => `${server.url}/scim/v2${path}`;
  const auth = () => ({ authorization: `Bearer ${token}` });

  async function scimExchange(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Exchange> {
    return exchange(method, scimUrl(path), body, { ...auth(), ...(body !== undefined ? { "content-type": "application/scim+json" } : {}), ...headers });
  }

  /** After a write succeeded, the resource reads back, well-formed, and a filter on its id finds exactly it. */
  async function readBack(endpoint: "/Users" | "/Groups", id: string, after: Exchange): Promise<Exchange> {
    const read = await scimExchange("GET", `${endpoint}/${id}`);
    const problems = scimProblems(read);
    if (read.status !== 200 || read.json?.id !== id) problems.push(`the ${endpoint} resource it wrote does not read back`);
    const found = await scimExchange("GET", `${endpoint}?filter=${q(`id eq "${id}"`)}`);
    problems.push(...scimProblems(found));
    if (found.json?.totalResults !== 1) problems.push(`a filter on its id finds ${found.json?.totalResults}`);
    if (problems.length > 0) throw new Error(`${problems.join("; ")}\nafter:\n${describeExchange(after)}\nread:\n${describeExchange(read)}\nfiltered:\n${describeExchange(found)}`);
    return read;
  }

  describe("SCIM bodies", () => {
    const userSeeds = () => [
      fixture("okta/create-user.json"), fixture("okta/replace-user.json", { userId: users[0] }), fixture("entra/create-user.json"),
      ...Object.values(fixture("patch/resources.json")).filter((r: any) => r.schemas.includes(USER)),
    ];
    const groupSeeds = () => [
      fixture("okta/create-group.json"), fixture("entra/create-group.json"), fixture("patch/resources.json").group,
      { schemas: [GROUP], displayName: "With members", members: [{ value: users[0] }, { value: groups[1], type: "Group" }] },
    ];

    it("answers every mutated IdP body on POST and PUT, in time, with a 2xx that reads back or a SCIM 4xx", async () => {
      const bodyCase = fc.record({
        method: fc.constantFrom("POST", "PUT"),
        endpoint: fc.constantFrom("/Users" as const, "/Groups" as const),
        crossed: fc.boolean(),
        seed: fc.nat(),
        unique: fc.option(fc.uuid(), { freq: 6 }),
        mutations: fc.array(jsonMutation, { maxLength: 4 }),
        contentType: fc.oneof({ weight: 8, arbitrary: fc.constantFrom("application/scim+json", "application/json", "application/scim+json; charset=utf-8") }, fc.constantFrom("text/plain", "")),
      });
      await checkProperty(fc.asyncProperty(bodyCase, tracked(async (c) => {
        const asUsers = (c.endpoint === "/Users") !== c.crossed;
        const seeds = asUsers ? userSeeds() : groupSeeds();
        const seed = structuredClone(seeds[c.seed % seeds.length]);
        if (c.unique) seed[asUsers ? "userName" : "displayName"] = `fuzz-${c.unique}${asUsers ? "@example.test" : ""}`;
        const pool = c.endpoint === "/Users" ? users : groups;
        const path = c.method === "POST" ? c.endpoint : `${c.endpoint}/${pool[c.seed % pool.length]}`;
        const text = serializeJson(mutateJson(seed, c.mutations));
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        const sent = await scimExchange(c.method, path, text, c.contentType ? { "content-type": c.contentType } : {});
        assertScimAnswer(sent);
        if (sent.status < 300) await readBack(c.endpoint, sent.json.id, sent);
      })), fuzzParameters(150, 6_000));
    }, PROPERTY_TIMEOUT_MS);

    /** The defects FUZZ_SKIP_KNOWN leaves out have properties of their own, skipped then. */
    const knownDefect = SKIP_KNOWN ? it.skip : it;

    knownDefect("refuses with 400 a NUL or an unpaired surrogate in any text it would store", async () => {
      const placements: Array<[string, (body: any, text: string) => void]> = [
        ["userName", (b, t) => { b.userName = `x${t}@example.test`; }],
        ["displayName", (b, t) => { b.displayName = t; }],
        ["name.givenName", (b, t) => { b.name = { givenName: t }; }],
        ["title", (b, t) => { b.title = t; }],
        ["externalId", (b, t) => { b.externalId = t; }],
        ["emails.value", (b, t) => { b.emails = [{ value: `${t}@example.test`, type: "work" }]; }],
        ["roles.value", (b, t) => { b.roles = [{ value: t }]; }],
        ["enterprise department", (b, t) => { b[ENTERPRISE] = { department: t }; }],
        ["extension attribute", (b, t) => { b["urn:example:custom:1.0"] = { tier: t }; }],
        ["group displayName", (b, t) => { b.schemas = [GROUP]; b.displayName = t; }],
      ];
      const badText = fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom("\u0000", "\ud800", "\udfff", "\udbff\u0041"), fc.string({ maxLength: 4 })).map((p) => p.join(""));
      await checkProperty(fc.asyncProperty(fc.constantFrom(...placements), badText, fc.uuid(), fc.boolean(), tracked(async ([where, place], text, unique, viaPatch) => {
        const isGroup = where.startsWith("group");
        const body: any = { schemas: [USER], userName: `nul-${unique}@example.test` };
        place(body, text);
        if (isGroup) delete body.userName;
        const endpoint = isGroup ? "/Groups" : "/Users";
        let sent: Exchange;
        if (viaPatch) {
          const { schemas: _s, ...value } = body;
          const target = isGroup ? groups[2] : users[3];
          sent = await scimExchange("PATCH", `${endpoint}/${target}`, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value }] }));
        } else {
          sent = await scimExchange("POST", endpoint, JSON.stringify(body));
        }
        const problems = scimProblems(sent);
        if (sent.status !== 400) problems.push(`${where} with ${JSON.stringify(text)} answered ${sent.status}, not 400`);
        if (problems.length > 0) throw new AnswerProblem(problems, sent);
      })), fuzzParameters(60, 3_000));
    }, PROPERTY_TIMEOUT_MS);
  });

  describe("SCIM filters", () => {
    const ROUTES = ["GET /Users", "GET /Groups", "POST /Users/.search", "POST /Groups/.search", "POST /.search"] as const;
    const known = () => [...users, ...groups, "babs@example.test", "Engineering", "Auditor", "work", [...foreignIds][0]];

    /** Runs a list request; GET when the filter fits a URL, POST /.search otherwise. */
    async function list(route: (typeof ROUTES)[number], filter: string, params: Record<string, unknown>): Promise<Exchange> {
      const [method, path] = route.split(" ");
      if (method === "GET") {
        try {
          const query = Object.entries({ filter, ...params }).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&");
          if (query.length < 8_000) return scimExchange("GET", `${path}?${query}`);
        } catch {
          // An unpaired surrogate has no URL encoding: the filter goes in a SearchRequest body.
        }
        return scimExchange("POST", `${path}/.search`, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, ...params }));
      }
      return scimExchange("POST", path, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, ...params }));
    }

    /** A list answer is a ListResponse of this organization's resources, or a SCIM error. */
    function assertListAnswer(e: Exchange, params: Record<string, unknown>): void {
      const problems = scimProblems(e);
      if (e.status === 200) {
        const body = e.json;
        if (JSON.stringify(body.schemas) !== JSON.stringify([LIST_RESPONSE])) problems.push("not a ListResponse");
        if (!Number.isInteger(body.totalResults) || body.totalResults < 0) problems.push(`totalResults ${body.totalResults}`);
        const resources = body.Resources ?? [];
        const count = Number(params.count ?? 100);
        if (Number.isInteger(count) && resources.length > Math.max(0, Math.min(count, 1000))) problems.push(`${resources.length} resources for count=${count}`);
        if (resources.length > body.totalResults) problems.push(`${resources.length} resources but totalResults ${body.totalResults}`);
        const leaked = resources.filter((r: { id?: string }) => r.id && foreignIds.has(r.id));
        if (leaked.length > 0) problems.push(`resources of another organization: ${leaked.map((r: { id: string }) => r.id).join(", ")}`);
      } else if (e.status !== 400 && e.status !== 403 && e.status !== 413) {
        problems.push(`HTTP ${e.status} for a list request`);
      }
      if (problems.length > 0) throw new AnswerProblem(problems, e);
    }

    it("answers generated filters on every list and search route, in time, with this organization's resources or a SCIM 400", async () => {
      const filterCase = fc.constantFrom(...ROUTES).chain((route) =>
        fc.record({ route: fc.constant(route), filter: scimFilter(route.includes("Groups") ? "Group" : "User", known()), params: listParameters(route.includes("Groups") ? "Group" : "User") }));
      await checkProperty(fc.asyncProperty(filterCase, tracked(async ({ route, filter, params }) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(filter) === null);
        assertListAnswer(await list(route, filter, params), params);
      })), fuzzParameters(250, 5_000));
    }, PROPERTY_TIMEOUT_MS);

    /** The ids a filter selects, all pages of them; null when the filter is refused. */
    async function selected(endpoint: "/Users" | "/Groups", filter: string, extra: Record<string, unknown> = {}): Promise<string[] | null> {
      const sent = await scimExchange("POST", `${endpoint}/.search`, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, count: 1000, attributes: "id", ...extra }));
      assertListAnswer(sent, { count: 1000 });
      if (sent.status !== 200) return null;
      if (sent.json.totalResults > 1000) fc.pre(false);
      return sent.json.Resources.map((r: { id: string }) => r.id);
    }

    it("selects with `and`, `or`, `not` and parentheses exactly the sets those words mean", async () => {
      const algebraCase = fc.constantFrom("/Users" as const, "/Groups" as const).chain((endpoint) => {
        const filter = scimFilter(endpoint === "/Users" ? "User" : "Group", known());
        return fc.record({ endpoint: fc.constant(endpoint), f: filter, g: filter });
      });
      await checkProperty(fc.asyncProperty(algebraCase, tracked(async ({ endpoint, f, g }) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(f + g) === null);
        const [a, b] = [await selected(endpoint, f), await selected(endpoint, g)];
        fc.pre(a !== null && b !== null);
        const [setA, setB] = [new Set(a), new Set(b)];
        const expected: Array<[string, string[]]> = [
          [`(${f}) and (${g})`, (a as string[]).filter((id) => setB.has(id))],
          [`(${f}) or (${g})`, [...new Set([...(a as string[]), ...(b as string[])])]],
          [`(${f})`, a as string[]],
        ];
        const problems: string[] = [];
        for (const [combined, ids] of expected) {
          const got = await selected(endpoint, combined);
          if (got === null) problems.push(`${combined}: refused although both parts are valid`);
          else if (JSON.stringify([...got].sort()) !== JSON.stringify([...ids].sort())) problems.push(`${combined}: selects ${got.length} resources, expected ${ids.length}`);
        }
        const negated = await selected(endpoint, `not (${f})`);
        const overlap = negated?.filter((id) => setA.has(id)) ?? [];
        if (overlap.length > 0) problems.push(`not (${f}) also selects ${overlap.length} resources that ${f} selects`);
        if (problems.length > 0) throw new Error(`${endpoint}: F = ${f}\nG = ${g}\n${problems.join("\n")}`);
      })), fuzzParameters(50, 5_000));
    }, PROPERTY_TIMEOUT_MS);

    it("pages of any size, under any sort, add up to the whole list exactly once", async () => {
      const pagingCase = fc.constantFrom("/Users" as const, "/Groups" as const).chain((endpoint) => fc.record({
        endpoint: fc.constant(endpoint),
        filter: fc.oneof(fc.constant("id pr"), scimFilter(endpoint === "/Users" ? "User" : "Group", known())),
        sortBy: fc.constantFrom(...(endpoint === "/Users" ? ["userName", "displayName", "active", "title", "name.familyName", "emails.value", "meta.created", "externalId"] : ["displayName", "externalId", "meta.lastModified", "id"])),
        sortOrder: fc.constantFrom("ascending", "descending"),
        pages: fc.integer({ min: 2, max: 6 }),
      }));
      await checkProperty(fc.asyncProperty(pagingCase, tracked(async ({ endpoint, filter, sortBy, sortOrder, pages }) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(filter) === null);
        const whole = await selected(endpoint, filter, { sortBy, sortOrder });
        fc.pre(whole !== null && whole.length > 1);
        const size = Math.ceil((whole as string[]).length / pages);
        const paged: string[] = [];
        for (let start = 1; start <= (whole as string[]).length; start += size) {
          const page = await scimExchange("POST", `${endpoint}/.search`, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, sortBy, sortOrder, startIndex: start, count: size, attributes: "id" }));
          assertListAnswer(page, { count: size });
          if (page.json.totalResults !== (whole as string[]).length) throw new Error(`totalResults ${page.json.totalResults} on the page at ${start}, ${(whole as string[]).length} in one page\n${describeExchange(page)}`);
          paged.push(...page.json.Resources.map((r: { id: string }) => r.id));
        }
        const duplicates = paged.filter((id, i) => paged.indexOf(id) !== i);
        const missing = (whole as string[]).filter((id) => !paged.includes(id));
        if (duplicates.length > 0 || missing.length > 0) {
          throw new Error(`${endpoint} filter=${filter} sortBy=${sortBy} ${sortOrder}, ${pages} pages of ${size}: ${duplicates.length} resources twice, ${missing.length} never`);
        }
      })), fuzzParameters(40, 4_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers raw, damaged, very wide and very deep filters in time with a SCIM 400 or a list", async () => {
      const valid = scimFilter("User", known());
      const filter = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: "binary", maxLength: 60 }), damagedFilter(valid), wideFilter(known()), deepFilter(),
        fc.integer({ min: 1_000, max: 120_000 }).map((n) => `userName eq "${"x".repeat(n)}"`));
      await checkProperty(fc.asyncProperty(fc.constantFrom(...ROUTES), filter, tracked(async (route, text) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        assertListAnswer(await list(route, text, {}), {});
      })), fuzzParameters(120, 3_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers a GET whose query string is too long in the SCIM error format", async () => {
      const sent = await scimExchange("GET", `/Users?filter=${q(`userName eq "${"x".repeat(100_000)}"`)}`);
      expect(sent.status).toBeGreaterThanOrEqual(400);
      expect({ problems: scimProblems(sent), exchange: describeExchange(sent) }).toEqual({ problems: [], exchange: describeExchange(sent) });
    });
  });

  describe("SCIM PATCH", () => {
    /** After a successful PATCH, the resource reads back; a user's PATCH answer is what GET then reads (same projection). */
    async function assertPatched(endpoint: "/Users" | "/Groups", id: string, sent: Exchange, query = ""): Promise<void> {
      assertScimAnswer(sent);
      if (sent.status >= 300) return;
      await readBack(endpoint, id, sent);
      const read = await scimExchange("GET", `${endpoint}/${id}${query}`);
      if (endpoint === "/Users" && sent.status === 200 && JSON.stringify(sent.json) !== JSON.stringify(read.json)) {
        throw new Error(`the PATCH answer differs from what GET reads next\n${describeExchange(sent)}\nread:\n${describeExchange(read)}`);
      }
    }

    it("answers random PATCH documents on users and groups in time, with a change that reads back or a SCIM 4xx", async () => {
      const ifMatch = fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, fc.constantFrom('W/"1"', 'W/"999"', "*", "garbage", '"2"'));
      const patchCase = fc.oneof(
        fc.record({ endpoint: fc.constant("/Users" as const), target: fc.nat(), doc: userPatch([...users, ...groups]), ifMatch, projected: fc.boolean() }),
        fc.record({ endpoint: fc.constant("/Groups" as const), target: fc.nat(), doc: groupPatch([...users, ...groups, [...foreignIds][3]]), ifMatch, projected: fc.boolean() }),
      );
      await checkProperty(fc.asyncProperty(patchCase, tracked(async (c) => {
        const pool = c.endpoint === "/Users" ? users : groups;
        const id = pool[c.target % pool.length];
        const text = JSON.stringify(c.doc);
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        const query = c.projected ? "?excludedAttributes=groups" : "";
        await assertPatched(c.endpoint, id, await scimExchange("PATCH", `${c.endpoint}/${id}${query}`, text, c.ifMatch ? { "if-match": c.ifMatch } : {}), query);
      })), fuzzParameters(200, 6_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers recorded PATCH bodies, mutated, in time, with a change that reads back or a SCIM 4xx", async () => {
      const ids: Record<string, string> = { u1: users[0], u2: users[1], u3: users[2], g1: groups[1] };
      const withIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/"(u1|u2|u3|g1)"/g, (_, k: string) => JSON.stringify(ids[k])));
      const patchOp = (ops: unknown) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: ops });
      const recorded = (): Array<["/Users" | "/Groups", unknown]> => [
        ...fixture("patch/user-patches.json").map((p: { ops: unknown }) => ["/Users", patchOp(p.ops)]),
        ...fixture("patch/group-patches.json").map((p: { ops: unknown }) => ["/Groups", patchOp(withIds(p.ops))]),
        ...[...fixture("patch/invalid-patches.json"), ...fixture("patch/idp-replays.json")]
          .map((p: { resourceType: string; body: unknown }) => [p.resourceType === "Group" ? "/Groups" : "/Users", withIds(p.body)]),
        ...["okta/deactivate-user.json", "okta/reactivate-user.json", "entra/change-roles.json", "entra/disable-user-legacy.json", "entra/enable-user.json", "entra/update-user.json"]
          .map((f): ["/Users", unknown] => ["/Users", fixture(f, { managerId: users[1] })]),
        ...["okta/add-members.json", "okta/remove-member.json", "okta/rename-group.json", "entra/add-member.json", "entra/remove-member.json", "entra/rename-group.json"]
          .map((f): ["/Groups", unknown] => ["/Groups", fixture(f, { userId: users[3], groupId: groups[2] })]),
      ];
      await checkProperty(fc.asyncProperty(fc.nat(), fc.nat(), fc.array(jsonMutation, { maxLength: 3 }), tracked(async (which, target, mutations) => {
        const all = recorded();
        const [endpoint, body] = all[which % all.length];
        const pool = endpoint === "/Users" ? users : groups;
        const id = pool[target % pool.length];
        const text = serializeJson(mutateJson(body, mutations));
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        await assertPatched(endpoint, id, await scimExchange("PATCH", `${endpoint}/${id}`, text));
      })), fuzzParameters(150, 5_000));
    }, PROPERTY_TIMEOUT_MS);

    it("applies every one of concurrent PATCHes sent without If-Match", async () => {
      const attributes = ["title", "nickName", "displayName", "locale", "timezone", "userType", "preferredLanguage", "profileUrl"];
      const concurrentCase = fc.record({
        changes: fc.uniqueArray(fc.constantFrom(...attributes), { minLength: 2, maxLength: attributes.length }),
        members: fc.integer({ min: 2, max: 6 }),
        unique: fc.uuid(),
      });
      await checkProperty(fc.asyncProperty(concurrentCase, tracked(async ({ changes, members, unique }) => {
        const user = await scim("POST", "/Users", { schemas: [USER], userName: `concurrent-${unique}@example.test` });
        const patches = await Promise.all(changes.map((attribute) =>
          scimExchange("PATCH", `/Users/${user.body.id}`, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: attribute, value: `${attribute}-${unique}` }] }))));
        const group = await scim("POST", "/Groups", { schemas: [GROUP], displayName: `concurrent-${unique}` });
        const newcomers = await Promise.all(Array.from({ length: members }, (_, i) => scim("POST", "/Users", { schemas: [USER], userName: `member-${i}-${unique}@example.test` })));
        const adds = await Promise.all(newcomers.map((m) =>
          scimExchange("PATCH", `/Groups/${group.body.id}`, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: m.body.id }] }] }))));
        const refused = [...patches, ...adds].filter((e) => e.status >= 300);
        if (refused.length > 0) throw new Error(`${refused.length} of ${patches.length + adds.length} concurrent PATCHes refused:\n${refused.map(describeExchange).join("\n")}`);
        const after = (await scim("GET", `/Users/${user.body.id}`)).body;
        const lost = changes.filter((a) => after[a] !== `${a}-${unique}`);
        const memberIds = ((await scim("GET", `/Groups/${group.body.id}`)).body.members ?? []).map((m: { value: string }) => m.value);
        const missing = newcomers.filter((m) => !memberIds.includes(m.body.id)).length;
        if (lost.length > 0 || missing > 0) throw new Error(`lost updates: user attributes ${lost.join(", ") || "none"}; ${missing} of ${members} members`);
      })), fuzzParameters(15, 5_000));
    }, PROPERTY_TIMEOUT_MS);
  });

  describe("GraphQL", () => {
    const knownDefect = SKIP_KNOWN ? it.skip : it;
    const graphIds = () => [...graph.allIds, ...users, ...groups, "00000000-0000-7000-8000-000000000000", "not-an-id"];

    async function post(request: GraphRequest, key: string | null): Promise<Exchange> {
      return exchange("POST", `${server.url}/graphql`, JSON.stringify(request), { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) });
    }
    const keyFor = (which: number) => (which < 8 ? graph.adminKey : which < 9 ? graph.readerKey : null);

    it("answers random operations built from the schema in time, with data or errors carrying a known code", async () => {
      await checkProperty(fc.asyncProperty(graphRequest(schema, graphIds()), fc.nat({ max: 9 }), tracked(async (request, which) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(JSON.stringify(request)) === null);
        assertGraphAnswer(await post(request, keyFor(which)));
      })), fuzzParameters(250, 6_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers damaged documents in time with a parse or validation error, never a 5xx", async () => {
      await checkProperty(fc.asyncProperty(damagedRequest(graphRequest(schema, graphIds())), tracked(async (request) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(JSON.stringify(request)) === null);
        assertGraphAnswer(await post(request, graph.adminKey));
      })), fuzzParameters(150, 3_000));
    }, PROPERTY_TIMEOUT_MS);

    knownDefect("answers fragment fan-outs and alias floods in time, executing them or refusing them as too complex", async () => {
      await checkProperty(fc.asyncProperty(fc.oneof(fragmentFanOut, aliasFlood), tracked(async (request) => {
        assertGraphAnswer(await post(request, graph.adminKey));
      })), fuzzParameters(30, 5_000));
    }, PROPERTY_TIMEOUT_MS);

    knownDefect("refuses text with a NUL or an unpaired surrogate with BAD_USER_INPUT", async () => {
      const badText = fc.tuple(fc.string({ maxLength: 3 }), fc.constantFrom("\u0000", "\ud800", "\udfff"), fc.string({ maxLength: 3 })).map((p) => p.join(""));
      const field = fc.constantFrom("userName", "displayName", "givenName", "title", "externalId");
      await checkProperty(fc.asyncProperty(field, badText, fc.uuid(), tracked(async (name, text, unique) => {
        const input = { organizationId: graph.organizationId, userName: `ok-${unique}`, [name]: name === "userName" ? `x${text}` : text };
        const sent = await post({ query: `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`, variables: { input } }, graph.adminKey);
        const problems = graphProblems(sent);
        if (sent.json?.errors?.[0]?.extensions?.code !== "BAD_USER_INPUT") problems.push(`${name} with ${JSON.stringify(text)} was not refused as BAD_USER_INPUT`);
        if (problems.length > 0) throw new AnswerProblem(problems, sent);
      })), fuzzParameters(30, 2_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers malformed HTTP bodies on /graphql with a 4xx and GraphQL errors", async () => {
      const body = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.record({ query: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 2 })), variables: fc.jsonValue({ maxDepth: 2 }), operationName: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] })
          .map((v) => JSON.stringify(v)),
      );
      const contentType = fc.constantFrom("application/json", "application/graphql-response+json", "text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=latin1");
      await checkProperty(fc.asyncProperty(body, contentType, tracked(async (text, type) => {
        const sent = await exchange("POST", `${server.url}/graphql`, text, { ...(type ? { "content-type": type } : {}), authorization: `Bearer ${graph.adminKey}`, "apollo-require-preflight": "true" });
        const problems = graphProblems(sent);
        if (problems.length > 0) throw new AnswerProblem(problems, sent);
      })), fuzzParameters(120, 2_000));
    }, PROPERTY_TIMEOUT_MS);
  });
});
