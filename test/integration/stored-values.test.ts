import { AuditEvent } from "../../src/store/entities";
import { CAN, fixtures } from "../helpers/graph-fixtures";
import { q, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });

/** `{"a":{"a":…}}` nested `depth` levels deep. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < depth; i += 1) value = { a: value };
  return value;
}

/** What a client may store, and reads that hold whatever is already stored. */
describe("stored values", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  describe("JSON too deep to store is refused at the edge", () => {
    it("SCIM: roles nested 1,500 levels deep answer 400 invalidValue and store nothing", async () => {
      const { scim } = await scimTenant(server, "Deep SCIM");
      const response = await scim("POST", "/Users", { schemas: [USER], userName: "deep@values.test", roles: [{ value: "x", extra: nested(1500) }] });
      expect(response.status).toBe(400);
      expect(response.body.scimType).toBe("invalidValue");
      expect((await scim("GET", `/Users?filter=${q('userName eq "deep@values.test"')}`)).body.totalResults).toBe(0);
    });

    it("SCIM: an extension attribute nested 38 levels deep is refused, 22 levels is kept", async () => {
      const { scim } = await scimTenant(server, "Deep extension");
      const deep = await scim("POST", "/Users", { schemas: [USER], userName: "ext@values.test", "urn:example:custom": { tree: nested(36) } });
      expect(deep.status).toBe(400);
      expect(deep.body.detail).toMatch(/deeper than 32/);
      const fine = await scim("POST", "/Users", { schemas: [USER], userName: "ext@values.test", "urn:example:custom": { tree: nested(20) } });
      expect(fine.status).toBe(201);
    });

    it("GraphQL: an enterprise extension 40 levels deep answers BAD_USER_INPUT", async () => {
      const { organizationId: org } = await scimTenant(server, "Deep GraphQL");
      const result = await server.gql(`mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
        { input: { organizationId: org, userName: "gql@values.test", enterprise: nested(40) } });
      expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    });
  });

  describe("a value stored before the bounds existed poisons no read", () => {
    it("can, canBatch and every roles/emails filter of the organization still answer", async () => {
      const { organizationId: org, scim } = await scimTenant(server, "Poisoned");
      const account = await f.account(org, "prod");
      const role = await f.role(org, "viewer", ["dash.read"]);
      const poisoned = (await scim("POST", "/Users", { schemas: [USER], userName: "poisoned@values.test", roles: [{ value: "viewer" }] })).body.id;
      const healthy = (await scim("POST", "/Users", { schemas: [USER], userName: "healthy@values.test", emails: [{ value: "healthy@values.test" }] })).body.id;
      await f.bind({ roleId: role, userId: poisoned, accountId: account });
      await f.bind({ roleId: role, userId: healthy, accountId: account });
      // As an older server would have stored it: deeper than SQLite's JSON functions read.
      const deepRoles = JSON.stringify([{ value: "viewer", extra: nested(1500) }]);
      await server.built.orm.em.fork().getConnection().execute(`update "user" set roles = ?, emails = ? where id = ?`, [deepRoles, deepRoles, poisoned]);

      expect((await server.ok(CAN, { u: poisoned, a: account, p: "dash.read" })).can).toBe(true);
      const batch = await server.ok(`query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`, {
        c: [{ userId: poisoned, accountId: account, permission: "dash.read" }, { userId: healthy, accountId: account, permission: "dash.read" }],
      });
      expect(batch.canBatch).toEqual([true, true]);
      for (const filter of ['roles[value eq "viewer"]', 'emails co "values.test"', "emails pr", 'roles.value eq "viewer"']) {
        const response = await scim("GET", `/Users?filter=${q(filter)}`);
        expect({ filter, status: response.status }).toEqual({ filter, status: 200 });
      }
      expect((await scim("GET", `/Users?filter=${q('emails co "healthy"')}`)).body.totalResults).toBe(1);
      expect((await scim("GET", `/Users/${poisoned}`)).status).toBe(200);
    });
  });

  describe("one answer at any nesting depth", () => {
    it("a 200-level chain of groups: can, GET /Users and the groups filter all see the top group", async () => {
      const { organizationId: org, scim } = await scimTenant(server, "Deep nesting");
      const account = await f.account(org, "prod");
      const ada = (await scim("POST", "/Users", { schemas: [USER], userName: "ada@values.test" })).body.id;
      let previous = (await scim("POST", "/Groups", { displayName: "G1", members: [{ value: ada }] })).body.id;
      for (let level = 2; level <= 200; level += 1) {
        previous = (await scim("POST", "/Groups", { displayName: `G${level}`, members: [{ value: previous }] })).body.id;
      }
      const top = previous;
      const role = await f.role(org, "deployer", ["deploy.run"]);
      await f.bind({ roleId: role, groupId: top, accountId: account });

      expect((await server.ok(CAN, { u: ada, a: account, p: "deploy.run" })).can).toBe(true);
      const groups = (await scim("GET", `/Users/${ada}`)).body.groups as Array<{ value: string; type: string }>;
      expect(groups).toHaveLength(200);
      expect(groups.filter((g) => g.type === "direct")).toHaveLength(1);
      expect(groups.find((g) => g.value === top)?.type).toBe("indirect");
      const found = await scim("GET", `/Users?filter=${q(`groups.value eq "${top}"`)}`);
      expect(found.body.Resources.map((u: { id: string }) => u.id)).toEqual([ada]);
      expect((await server.ok(`query($id: ID!) { user(id: $id) { groups(transitive: true) { id } } }`, { id: ada })).user.groups).toHaveLength(200);
    });
  });

  describe("input hygiene", () => {
    it("NUL and lone surrogates are refused over SCIM and GraphQL", async () => {
      const { organizationId: org, scim } = await scimTenant(server, "Hygiene");
      for (const userName of ["nul\u0000@values.test", "lone\ud800@values.test"]) {
        const overScim = await scim("POST", "/Users", JSON.stringify({ schemas: [USER], userName }));
        expect(overScim.status).toBe(400);
        const overGraph = await server.gql(`mutation($o: ID!, $u: String!) { createUser(input: {organizationId: $o, userName: $u}) { id } }`, { o: org, u: userName });
        expect(overGraph.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      }
      const inTitle = await server.gql(`mutation($o: ID!) { createUser(input: {organizationId: $o, userName: "ok@values.test", title: "a\\u0000b"}) { id } }`, { o: org });
      expect(inTitle.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      // In a URL or an id, they never reach SQL (SQLite stops reading a statement at a NUL).
      expect((await scim("PATCH", "/Users/a%00b", ops({ op: "replace", path: "title", value: "x" }))).status).toBe(400);
      expect((await scim("GET", `/Users?filter=${q('userName eq "a\u0000b"')}`)).status).toBe(400);
      for (const [query, variables] of [
        [`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: "a\u0000b" }],
        [`query { user(id: "a\\u0000b") { id } }`, {}],
        [`query($o: ID!, $u: String!) { users(organizationId: $o, filter: {userName: $u}) { totalCount } }`, { o: org, u: "\ud800" }],
      ] as const) {
        const answer = await server.gql(query, variables);
        expect({ query, status: answer.status, code: answer.errors?.[0].extensions?.code }).toEqual({ query, status: 400, code: "BAD_USER_INPUT" });
      }
      // A well-formed pair (an emoji) is fine.
      expect((await scim("POST", "/Users", { schemas: [USER], userName: "rocket\ud83d\ude80@values.test" })).status).toBe(201);
    });

    it("text longer than 255 characters is stored and read back whole, on either database", async () => {
      const { scim } = await scimTenant(server, "Long text");
      const long = (n: number) => "x".repeat(n);
      const user = await scim("POST", "/Users", { schemas: [USER], userName: `${long(300)}@values.test`, displayName: long(2000), title: long(1000), profileUrl: `https://example.test/${long(3000)}` });
      expect(user.status).toBe(201);
      const read = (await scim("GET", `/Users/${user.body.id}`)).body;
      expect([read.userName.length, read.displayName.length, read.title.length, read.profileUrl.length]).toEqual([312, 2000, 1000, 3021]);
      const group = await scim("POST", "/Groups", { displayName: long(500), externalId: long(400) });
      expect(group.status).toBe(201);
      // A group's displayName is bounded by the domain (512 characters), not by a column type.
      const patched = await scim("PATCH", `/Groups/${group.body.id}`, ops({ op: "replace", path: "displayName", value: long(512) }));
      expect(patched.status).toBe(204);
      expect((await scim("GET", `/Groups/${group.body.id}`)).body.displayName).toBe(long(512));
      expect((await scim("PATCH", `/Groups/${group.body.id}`, ops({ op: "replace", path: "displayName", value: long(513) }))).status).toBe(400);
    });

    it("text longer than 8,192 characters is refused over SCIM and GraphQL, and names hold no control or invisible characters", async () => {
      const { organizationId: org, scim } = await scimTenant(server, "Bounded text");
      const long = "x".repeat(8193);
      const refusedOverScim = [
        await scim("POST", "/Users", { schemas: [USER], userName: "long@values.test", displayName: long }),
        await scim("POST", "/Users", { schemas: [USER], userName: "long@values.test", title: long }),
        await scim("POST", "/Groups", { displayName: "Long", externalId: long }),
      ];
      expect(refusedOverScim.map((r) => [r.status, r.body.scimType])).toEqual(refusedOverScim.map(() => [400, "invalidValue"]));
      const gqlCode = async (query: string, variables: Record<string, unknown>) => (await server.gql(query, variables)).errors?.[0].extensions?.code;
      expect(await gqlCode(`mutation($o: ID!, $t: String!) { createUser(input: {organizationId: $o, userName: "long@values.test", nickName: $t}) { id } }`, { o: org, t: long })).toBe("BAD_USER_INPUT");
      expect(await gqlCode(`mutation($o: ID!, $t: String!) { createRole(input: {organizationId: $o, key: "long", name: "Long", permissions: [], description: $t}) { id } }`, { o: org, t: long })).toBe("BAD_USER_INPUT");
      // Names: a line break, a terminal escape, a right-to-left override or a zero-width space would
      // make a name that reads as another; the joiners scripts need (U+200C) stay.
      for (const name of ["Two\nLines", "Red\u001b[31m", "evil\u202Etxt.exe", "ada\u200b"]) {
        expect([name, (await scim("POST", "/Groups", { displayName: name })).status]).toEqual([name, 400]);
        expect([name, await gqlCode(`mutation($o: ID!, $n: String!) { createAccount(input: {organizationId: $o, name: $n}) { id } }`, { o: org, n: name })]).toEqual([name, "BAD_USER_INPUT"]);
      }
      expect((await scim("POST", "/Groups", { displayName: "Mi\u200Cgroup" })).status).toBe(201);
    });

    it("a setting or a list that cannot be cleared answers BAD_USER_INPUT for null, and changes nothing", async () => {
      const { organizationId: org } = await scimTenant(server, "Null settings");
      const role = (await server.ok(`mutation($o: ID!) { createRole(input: {organizationId: $o, key: "viewer", name: "Viewer", permissions: ["docs.read"]}) { id } }`, { o: org })).createRole.id;
      for (const setting of ["scimAutoActivate", "scimSyncGroups", "scimDeprovisionMode", "scimLinkAdminUsers"]) {
        const answer = await server.gql(`mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id } }`, { input: { id: org, name: "Renamed", [setting]: null } });
        expect([setting, answer.errors?.[0].extensions?.code]).toEqual([setting, "BAD_USER_INPUT"]);
      }
      const permissions = await server.gql(`mutation($id: ID!) { updateRole(input: {id: $id, name: "Renamed", permissions: null}) { id } }`, { id: role });
      expect(permissions.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
      const after = await server.ok(`query($o: ID!, $r: ID!) { organization(id: $o) { name } role(id: $r) { name permissions } }`, { o: org, r: role });
      expect(after).toEqual({ organization: { name: "Null settings" }, role: { name: "Viewer", permissions: ["docs.read"] } });
    });

    it("userName and group displayName are one name however the accent is typed (NFC)", async () => {
      const { organizationId: org, scim } = await scimTenant(server, "Unicode");
      const composed = "caf\u00e9@values.test";
      const decomposed = "cafe\u0301@values.test";
      const created = await scim("POST", "/Users", { schemas: [USER], userName: composed });
      expect(created.status).toBe(201);
      const again = await scim("POST", "/Users", { schemas: [USER], userName: decomposed });
      expect(again.status).toBe(409);
      expect(again.body.scimType).toBe("uniqueness");
      expect((await scim("GET", `/Users?filter=${q(`userName eq "${decomposed}"`)}`)).body.totalResults).toBe(1);
      const overGraph = await server.ok(`query($o: ID!, $u: String!) { users(organizationId: $o, filter: {userName: $u}) { totalCount } }`, { o: org, u: decomposed });
      expect(overGraph.users.totalCount).toBe(1);

      expect((await scim("POST", "/Groups", { displayName: "Caf\u00e9" })).status).toBe(201);
      expect((await scim("POST", "/Groups", { displayName: "Cafe\u0301" })).status).toBe(409);
    });

    it("an IdP re-sending what is stored (PUT, Okta's and Entra's PATCHes) keeps the version and writes no event, objects with several keys included", async () => {
      // PostgreSQL's jsonb gives an object's keys back in its own order: compared as text, every
      // stored e-mail and enterprise extension read as changed, and each re-sent profile churned.
      const { scim } = await scimTenant(server, "Re-sent profiles");
      const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
      const body = {
        schemas: [USER, ENTERPRISE], userName: "resent@values.test", displayName: "Same", active: true,
        name: { givenName: "Re", familyName: "Sent", formatted: "Re Sent" },
        emails: [{ value: "resent@values.test", type: "work", primary: true }],
        [ENTERPRISE]: { department: "R&D", employeeNumber: "42", manager: { value: "someone" } },
      };
      const created = await scim("POST", "/Users", body);
      const id = created.body.id as string;
      const events = () => server.built.orm.em.fork().count(AuditEvent, { targetId: id });
      const before = await events();
      const resent = [
        await scim("PUT", `/Users/${id}`, body),
        await scim("PATCH", `/Users/${id}`, ops({ op: "replace", value: { active: true } })),
        await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "displayName", value: "Same" })),
        await scim("PATCH", `/Users/${id}`, ops({ op: "remove", path: 'emails[type eq "home"]' })),
        await scim("PATCH", `/Users/${id}`, ops({ op: "Replace", path: "active", value: "True" })),
      ];
      expect(resent.map((response) => [response.status, response.headers.get("etag")])).toEqual(resent.map(() => [200, 'W/"1"']));
      expect(resent.map((response) => response.body.meta.lastModified)).toEqual(resent.map(() => created.body.meta.lastModified));
      expect(await events()).toBe(before);
    });

    it("a PATCH adding a member who is already there, or removing one who is gone, writes no audit event and keeps the version", async () => {
      const { scim } = await scimTenant(server, "Idempotent members");
      const user = (await scim("POST", "/Users", { schemas: [USER], userName: "member@values.test" })).body.id;
      const group = (await scim("POST", "/Groups", { displayName: "Team", members: [{ value: user }] })).body.id;
      const events = () => server.built.orm.em.fork().count(AuditEvent, { targetId: group });
      const before = await events();
      const readd = await scim("PATCH", `/Groups/${group}`, ops({ op: "add", path: "members", value: [{ value: user }] }));
      expect(readd.status).toBe(204);
      expect(readd.headers.get("etag")).toBe('W/"1"');
      expect(await events()).toBe(before);

      expect((await scim("PATCH", `/Groups/${group}`, ops({ op: "remove", path: `members[value eq "${user}"]` }))).headers.get("etag")).toBe('W/"2"');
      expect(await events()).toBe(before + 1);
      const again = await scim("PATCH", `/Groups/${group}`, ops({ op: "remove", path: `members[value eq "${user}"]` }));
      expect(again.headers.get("etag")).toBe('W/"2"');
      expect(await events()).toBe(before + 1);
    });
  });
});
