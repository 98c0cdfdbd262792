import fc from "fast-check";
import { idTakingFields, operationFor } from "../helpers/graphql-operations";
import { fixture, q } from "../helpers/scim";
import { startFuzzedDirectory, type FuzzedDirectory } from "./support/directory";
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
/** encodeURIComponent, with unpaired surrogates (which it refuses) replaced first. */
const urlEncoded = (text: string) => encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"));
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe(`Fuzzing SCIM and GraphQL on one server (seed ${FUZZ_SEED}${LONG_RUN ? ", long run" : ""})`, () => {
  let d: FuzzedDirectory;
  beforeAll(async () => {
    d = await startFuzzedDirectory();
  }, 120_000);
  afterAll(async () => d?.close());
  afterEach(async () => {
    expect(await d.inconsistencies()).toEqual([]);
  });

  describe("SCIM bodies", () => {
    const userSeeds = () => [
      fixture("okta/create-user.json"), fixture("okta/replace-user.json", { userId: d.users[0] }), fixture("entra/create-user.json"),
      ...Object.values(fixture("patch/resources.json")).filter((r: any) => r.schemas.includes(USER)),
    ];
    const groupSeeds = () => [
      fixture("okta/create-group.json"), fixture("entra/create-group.json"), fixture("patch/resources.json").group,
      { schemas: [GROUP], displayName: "With members", members: [{ value: d.users[0] }, { value: d.groups[1], type: "Group" }] },
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
        const pool = c.endpoint === "/Users" ? d.users : d.groups;
        const path = c.method === "POST" ? c.endpoint : `${c.endpoint}/${pool[c.seed % pool.length]}`;
        const text = serializeJson(mutateJson(seed, c.mutations));
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        const sent = await d.scimExchange(c.method, path, text, c.contentType ? { "content-type": c.contentType } : {});
        assertScimAnswer(sent);
        if (sent.status < 300) await d.readBack(c.endpoint, sent.json.id, sent);
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
          const target = isGroup ? d.groups[2] : d.users[3];
          sent = await d.scimExchange("PATCH", `${endpoint}/${target}`, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value }] }));
        } else {
          sent = await d.scimExchange("POST", endpoint, JSON.stringify(body));
        }
        const problems = scimProblems(sent);
        if (sent.status !== 400) problems.push(`${where} with ${JSON.stringify(text)} answered ${sent.status}, not 400`);
        if (problems.length > 0) throw new AnswerProblem(problems, sent);
      })), fuzzParameters(60, 3_000));
    }, PROPERTY_TIMEOUT_MS);
  });

  describe("SCIM requests of any shape", () => {
    it("answers any method, path, query and credentials under /scim/v2 in time, in the SCIM format", async () => {
      const hostileId = fc.constantFrom("%00", "a%00b", "%ED%A0%80", "%27", "%22", "%5C", "'%20OR%20'1'%3D'1", "a".repeat(5_000), "%20", "*", "null");
      const resource = fc.constantFrom("Users", "Groups", "users", "Schemas", "ResourceTypes");
      const segment = fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom("Users", "Groups", "users", "USERS", ".search", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Me", "Bulk", "") },
        fc.constantFrom(...["%00", "%2F", "%ZZ", "%C0%AE", "%ED%A0%80", "a".repeat(5_000), "{id}", "*", "~", ";", "%20"]),
        // Other organizations' ids and unknown ones: a DELETE here must not take the pool the other properties use.
        fc.nat().map((i) => [...d.foreignIds][i % d.foreignIds.size]),
        fc.uuid({ version: 7 }),
        fc.webSegment(),
      );
      const query = fc.array(fc.tuple(
        fc.constantFrom("filter", "FILTER", "count", "startIndex", "attributes", "excludedAttributes", "sortBy", "sortOrder", "attributes[]", "x"),
        fc.oneof(fc.constantFrom("userName pr", "1", "-1", "members", "%", "%00", "a&b", ""), fc.string({ maxLength: 10 }).map(encodeURIComponent)),
      ), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"));
      const credentials = fc.oneof(
        { weight: 6, arbitrary: fc.constant("valid") },
        fc.constantFrom("none", "Bearer ", "Bearer idgs_x.y", "Basic dXNlcjpwYXNz", "bearer VALID", "Bearer VALID VALID", "Bearer idgk_admin"),
      );
      const requestCase = fc.record({
        method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
        segments: fc.oneof(
          { weight: 3, arbitrary: fc.tuple(resource, fc.oneof(hostileId, segment)).map((parts): string[] => parts) },
          fc.array(segment, { minLength: 0, maxLength: 4 }),
        ),
        query,
        credentials,
        body: fc.oneof(fc.constant(undefined), fc.constant('{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"shape@example.test"}'), fc.string({ maxLength: 20 })),
      });
      await checkProperty(fc.asyncProperty(requestCase, tracked(async (c) => {
        const url = `${d.server.url}/scim/v2/${c.segments.join("/")}${c.query ? `?${c.query}` : ""}`;
        // A URL resolves "." and ".." segments before sending: only requests still under /scim/v2 count.
        fc.pre(new URL(url).pathname.startsWith("/scim/v2"));
        const authorization = c.credentials === "valid" ? `Bearer ${d.token}` : c.credentials === "none" ? undefined : c.credentials.replace("VALID", d.token);
        const headers: Record<string, string> = { ...(authorization ? { authorization } : {}), ...(c.body !== undefined ? { "content-type": "application/scim+json" } : {}) };
        const sent = await exchange(c.method, url, c.method === "GET" || c.method === "HEAD" ? undefined : c.body, headers);
        if (c.method === "OPTIONS" && sent.status === 204) return;
        assertScimAnswer(sent);
      })), fuzzParameters(200, 4_000));
    }, PROPERTY_TIMEOUT_MS);
    it("answers every route that takes an id, given an id no row has (NUL, quotes, 10 KB, surrogates), with a SCIM 404", async () => {
      const hostileId = fc.oneof(
        fc.constantFrom("a%00b", "%00", "%27", "%22", "%5C", "'%20OR%20'1'%3D'1", "%ED%A0%80", "a".repeat(10_000), "%20", "01a2293e-0000-7000-8000-000000000000"),
        // Not "", "." or "..": the URL would then name the list (/Users/) or resolve away.
        fc.string({ minLength: 1, maxLength: 12 }).filter((id) => id !== "." && id !== "..").map(encodeURIComponent),
      );
      const routeCase = fc.record({ method: fc.constantFrom("GET", "PUT", "PATCH", "DELETE"), endpoint: fc.constantFrom("/Users", "/Groups"), id: hostileId });
      await checkProperty(fc.asyncProperty(routeCase, tracked(async ({ method, endpoint, id }) => {
        const body = method === "PUT"
          ? JSON.stringify(endpoint === "/Users" ? { schemas: [USER], userName: "hostile-id@example.test" } : { schemas: [GROUP], displayName: "hostile-id" })
          : method === "PATCH" ? JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "x" }] }) : undefined;
        const sent = await d.scimExchange(method, `${endpoint}/${id}`, body);
        const problems = scimProblems(sent);
        if (sent.status !== 404 && sent.status !== 400 && sent.status !== 414) problems.push(`HTTP ${sent.status} for an id no row has`);
        if (problems.length > 0) throw new AnswerProblem(problems, sent);
      })), fuzzParameters(80, 3_000));
    }, PROPERTY_TIMEOUT_MS);
  });

  describe("SCIM filters", () => {
    const ROUTES = ["GET /Users", "GET /Groups", "POST /Users/.search", "POST /Groups/.search", "POST /.search"] as const;
    const known = () => [...d.users, ...d.groups, "babs@example.test", "Engineering", "Auditor", "work", [...d.foreignIds][0]];

    /** Runs a list request; GET when the filter fits a URL, POST /.search otherwise. */
    async function list(route: (typeof ROUTES)[number], filter: string, params: Record<string, unknown>): Promise<Exchange> {
      const [method, path] = route.split(" ");
      if (method === "GET") {
        try {
          const query = Object.entries({ filter, ...params }).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join("&");
          if (query.length < 8_000) return d.scimExchange("GET", `${path}?${query}`);
        } catch {
          // An unpaired surrogate has no URL encoding: the filter goes in a SearchRequest body.
        }
        return d.scimExchange("POST", `${path}/.search`, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, ...params }));
      }
      return d.scimExchange("POST", path, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, ...params }));
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
        const leaked = resources.filter((r: { id?: string }) => r.id && d.foreignIds.has(r.id));
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
      const sent = await d.scimExchange("POST", `${endpoint}/.search`, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, count: 1000, attributes: "id", ...extra }));
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
          const page = await d.scimExchange("POST", `${endpoint}/.search`, JSON.stringify({ schemas: [SEARCH_REQUEST], filter, sortBy, sortOrder, startIndex: start, count: size, attributes: "id" }));
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
      const sent = await d.scimExchange("GET", `/Users?filter=${q(`userName eq "${"x".repeat(100_000)}"`)}`);
      expect(sent.status).toBeGreaterThanOrEqual(400);
      expect({ problems: scimProblems(sent), exchange: describeExchange(sent) }).toEqual({ problems: [], exchange: describeExchange(sent) });
    });
  });

  describe("SCIM PATCH", () => {
    /** After a successful PATCH, the resource reads back; a user's PATCH answer is what GET then reads (same projection). */
    async function assertPatched(endpoint: "/Users" | "/Groups", id: string, sent: Exchange, query = ""): Promise<void> {
      assertScimAnswer(sent);
      if (sent.status >= 300) return;
      await d.readBack(endpoint, id, sent);
      const read = await d.scimExchange("GET", `${endpoint}/${id}${query}`);
      if (endpoint === "/Users" && sent.status === 200 && JSON.stringify(sent.json) !== JSON.stringify(read.json)) {
        throw new Error(`the PATCH answer differs from what GET reads next\n${describeExchange(sent)}\nread:\n${describeExchange(read)}`);
      }
    }

    it("answers random PATCH documents on users and groups in time, with a change that reads back or a SCIM 4xx", async () => {
      const ifMatch = fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, fc.constantFrom('W/"1"', 'W/"999"', "*", "garbage", '"2"'));
      const patchCase = fc.oneof(
        fc.record({ endpoint: fc.constant("/Users" as const), target: fc.nat(), doc: userPatch([...d.users, ...d.groups]), ifMatch, projected: fc.boolean() }),
        fc.record({ endpoint: fc.constant("/Groups" as const), target: fc.nat(), doc: groupPatch([...d.users, ...d.groups, [...d.foreignIds][3]]), ifMatch, projected: fc.boolean() }),
      );
      await checkProperty(fc.asyncProperty(patchCase, tracked(async (c) => {
        const pool = c.endpoint === "/Users" ? d.users : d.groups;
        const id = pool[c.target % pool.length];
        const text = JSON.stringify(c.doc);
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        const query = c.projected ? "?excludedAttributes=groups" : "";
        await assertPatched(c.endpoint, id, await d.scimExchange("PATCH", `${c.endpoint}/${id}${query}`, text, c.ifMatch ? { "if-match": c.ifMatch } : {}), query);
      })), fuzzParameters(200, 6_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers recorded PATCH bodies, mutated, in time, with a change that reads back or a SCIM 4xx", async () => {
      const ids: Record<string, string> = { u1: d.users[0], u2: d.users[1], u3: d.users[2], g1: d.groups[1] };
      const withIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/"(u1|u2|u3|g1)"/g, (_, k: string) => JSON.stringify(ids[k])));
      const patchOp = (ops: unknown) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: ops });
      const recorded = (): Array<["/Users" | "/Groups", unknown]> => [
        ...fixture("patch/user-patches.json").map((p: { ops: unknown }) => ["/Users", patchOp(p.ops)]),
        ...fixture("patch/group-patches.json").map((p: { ops: unknown }) => ["/Groups", patchOp(withIds(p.ops))]),
        ...[...fixture("patch/invalid-patches.json"), ...fixture("patch/idp-replays.json")]
          .map((p: { resourceType: string; body: unknown }) => [p.resourceType === "Group" ? "/Groups" : "/Users", withIds(p.body)]),
        ...["okta/deactivate-user.json", "okta/reactivate-user.json", "entra/change-roles.json", "entra/disable-user-legacy.json", "entra/enable-user.json", "entra/update-user.json"]
          .map((f): ["/Users", unknown] => ["/Users", fixture(f, { managerId: d.users[1] })]),
        ...["okta/add-members.json", "okta/remove-member.json", "okta/rename-group.json", "entra/add-member.json", "entra/remove-member.json", "entra/rename-group.json"]
          .map((f): ["/Groups", unknown] => ["/Groups", fixture(f, { userId: d.users[3], groupId: d.groups[2] })]),
      ];
      await checkProperty(fc.asyncProperty(fc.nat(), fc.nat(), fc.array(jsonMutation, { maxLength: 3 }), tracked(async (which, target, mutations) => {
        const all = recorded();
        const [endpoint, body] = all[which % all.length];
        const pool = endpoint === "/Users" ? d.users : d.groups;
        const id = pool[target % pool.length];
        const text = serializeJson(mutateJson(body, mutations));
        if (SKIP_KNOWN) fc.pre(knownDefectIn(text) === null);
        await assertPatched(endpoint, id, await d.scimExchange("PATCH", `${endpoint}/${id}`, text));
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
        const user = await d.scim("POST", "/Users", { schemas: [USER], userName: `concurrent-${unique}@example.test` });
        const patches = await Promise.all(changes.map((attribute) =>
          d.scimExchange("PATCH", `/Users/${user.body.id}`, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: attribute, value: `${attribute}-${unique}` }] }))));
        const group = await d.scim("POST", "/Groups", { schemas: [GROUP], displayName: `concurrent-${unique}` });
        const newcomers = await Promise.all(Array.from({ length: members }, (_, i) => d.scim("POST", "/Users", { schemas: [USER], userName: `member-${i}-${unique}@example.test` })));
        const adds = await Promise.all(newcomers.map((m) =>
          d.scimExchange("PATCH", `/Groups/${group.body.id}`, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: m.body.id }] }] }))));
        const refused = [...patches, ...adds].filter((e) => e.status >= 300);
        if (refused.length > 0) throw new Error(`${refused.length} of ${patches.length + adds.length} concurrent PATCHes refused:\n${refused.map(describeExchange).join("\n")}`);
        const after = (await d.scim("GET", `/Users/${user.body.id}`)).body;
        const lost = changes.filter((a) => after[a] !== `${a}-${unique}`);
        const memberIds = ((await d.scim("GET", `/Groups/${group.body.id}`)).body.members ?? []).map((m: { value: string }) => m.value);
        const missing = newcomers.filter((m) => !memberIds.includes(m.body.id)).length;
        if (lost.length > 0 || missing > 0) throw new Error(`lost updates: user attributes ${lost.join(", ") || "none"}; ${missing} of ${members} members`);
      })), fuzzParameters(15, 5_000));
    }, PROPERTY_TIMEOUT_MS);
  });

  describe("GraphQL", () => {
    const knownDefect = SKIP_KNOWN ? it.skip : it;
    const graphIds = () => [...d.graph.allIds, ...d.users, ...d.groups, "00000000-0000-7000-8000-000000000000", "not-an-id"];

    async function post(request: GraphRequest, key: string | null): Promise<Exchange> {
      return exchange("POST", `${d.server.url}/graphql`, JSON.stringify(request), { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) });
    }
    const keyFor = (which: number) => (which < 8 ? d.graph.adminKey : which < 9 ? d.graph.readerKey : null);

    it("answers random operations built from the schema in time, with data or errors carrying a known code", async () => {
      await checkProperty(fc.asyncProperty(graphRequest(d.schema, graphIds()), fc.nat({ max: 9 }), tracked(async (request, which) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(JSON.stringify(request)) === null);
        const sent = await post(request, keyFor(which));
        assertGraphAnswer(sent);
        const asked = JSON.stringify(request);
        const leaked = d.foreignToGraph.filter((id) => sent.text.includes(id) && !asked.includes(id));
        if (leaked.length > 0) throw new AnswerProblem([`the answer shows another organization's ${leaked.join(", ")}`], sent);
      })), fuzzParameters(250, 6_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers every operation that takes an id, given an id no row has (NUL, quotes, 10 KB, surrogates), with NOT_FOUND or BAD_USER_INPUT", async () => {
      const fields = idTakingFields(d.schema).filter((f) => f.owner === "Query" || f.owner === "Mutation");
      const hostileId = fc.oneof(
        fc.constantFrom("a\u0000b", "\u0000", "'", "\"", "\\", "' OR '1'='1", "%00", "\ud800", "a".repeat(10_000), " ", "", "01a2293e-0000-7000-8000-000000000000"),
        fc.string({ unit: "binary", maxLength: 12 }),
      );
      const idCase = fc.record({ key: fc.constantFrom(...fields.map((f) => f.key)), id: hostileId, optional: fc.nat() });
      await checkProperty(fc.asyncProperty(idCase, tracked(async ({ key, id, optional }) => {
        const field = fields.find((f) => f.key === key) as (typeof fields)[number];
        const extra = field.slots.filter((slot) => !slot.required);
        const chosen = new Set([...field.slots.filter((slot) => slot.required).map((slot) => slot.path), ...(extra.length ? [extra[optional % extra.length].path] : [])]);
        const values = Object.fromEntries([...chosen].map((path) => [path, id]));
        const operation = operationFor(field, values);
        const sent = await post({ query: operation.document, variables: operation.variables }, d.graph.adminKey);
        assertGraphAnswer(sent);
      })), fuzzParameters(150, 4_000));
    }, PROPERTY_TIMEOUT_MS);

    it("answers damaged documents in time with a parse or validation error, never a 5xx", async () => {
      await checkProperty(fc.asyncProperty(damagedRequest(graphRequest(d.schema, graphIds())), tracked(async (request) => {
        if (SKIP_KNOWN) fc.pre(knownDefectIn(JSON.stringify(request)) === null);
        assertGraphAnswer(await post(request, d.graph.adminKey));
      })), fuzzParameters(150, 3_000));
    }, PROPERTY_TIMEOUT_MS);

    knownDefect("answers fragment fan-outs and alias floods in time, executing them or refusing them as too complex", async () => {
      await checkProperty(fc.asyncProperty(fc.oneof(fragmentFanOut, aliasFlood), tracked(async (request) => {
        assertGraphAnswer(await post(request, d.graph.adminKey));
      })), fuzzParameters(30, 5_000));
    }, PROPERTY_TIMEOUT_MS);

    knownDefect("refuses text with a NUL or an unpaired surrogate with BAD_USER_INPUT", async () => {
      const badText = fc.tuple(fc.string({ maxLength: 3 }), fc.constantFrom("\u0000", "\ud800", "\udfff"), fc.string({ maxLength: 3 })).map((p) => p.join(""));
      const field = fc.constantFrom("userName", "displayName", "givenName", "title", "externalId");
      await checkProperty(fc.asyncProperty(field, badText, fc.uuid(), tracked(async (name, text, unique) => {
        const input = { organizationId: d.graph.organizationId, userName: `ok-${unique}`, [name]: name === "userName" ? `x${text}` : text };
        const sent = await post({ query: `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`, variables: { input } }, d.graph.adminKey);
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
      await checkProperty(fc.asyncProperty(body, contentType, fc.boolean(), tracked(async (text, type, viaGet) => {
        const headers = { ...(type ? { "content-type": type } : {}), authorization: `Bearer ${d.graph.adminKey}`, "apollo-require-preflight": "true" };
        const sent = viaGet
          ? await exchange("GET", `${d.server.url}/graphql?query=${urlEncoded(text)}&variables=${urlEncoded(text.slice(0, 20))}`, undefined, headers)
          : await exchange("POST", `${d.server.url}/graphql`, text, headers);
        const problems = graphProblems(sent);
        if (problems.length > 0) throw new AnswerProblem(problems, sent);
      })), fuzzParameters(120, 2_000));
    }, PROPERTY_TIMEOUT_MS);
  });
});
