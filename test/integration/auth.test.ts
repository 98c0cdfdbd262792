import { ApiKey } from "../../src/store/entities";
import { TestClock } from "../helpers/clock";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

describe("API key authentication and tenant isolation", () => {
  let server: TestServer;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestServer({ clock });
  });
  afterAll(async () => server.close());

  it("answers 401 UNAUTHENTICATED without a key", async () => {
    const result = await server.gql(`{ viewer { kind } }`, {}, null);
    expect(result.status).toBe(401);
    expect(result.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("answers 401 for an unknown, malformed or revoked key", async () => {
    expect((await server.gql(`{ viewer { kind } }`, {}, "not-a-key")).status).toBe(401);
    const forged = server.adminKey.replace(/\.[^.]+$/, ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expect((await server.gql(`{ viewer { kind } }`, {}, forged)).status).toBe(401);

    const created = await server.ok(`mutation { createApiKey(input: {name: "temp", role: READER}) { secret apiKey { id } } }`);
    const key = created.createApiKey.secret;
    expect((await server.gql(`{ viewer { kind } }`, {}, key)).status).toBe(200);
    await server.ok(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: created.createApiKey.apiKey.id });
    expect((await server.gql(`{ viewer { kind } }`, {}, key)).status).toBe(401);
  });

  it("lets a reader key query but refuses its mutations with FORBIDDEN, writing nothing", async () => {
    const reader = await server.createKey("READER");
    const query = await server.gql(`{ viewer { kind canWrite } }`, {}, reader);
    expect(query.data).toEqual({ viewer: { kind: "api_key", canWrite: false } });
    const mutation = await server.gql(`mutation { createOrganization(input: {name: "Sneaky"}) { id } }`, {}, reader);
    expect(mutation.status).toBe(403);
    expect(mutation.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const orgs = await server.ok(`{ organizations(first: 100) { nodes { name } } }`);
    expect(orgs.organizations.nodes.map((o: { name: string }) => o.name)).not.toContain("Sneaky");
  });

  it("sees a key revoked by another server on the same database on its next request", async () => {
    const created = await server.ok(`mutation { createApiKey(input: {name: "elsewhere", role: READER}) { secret apiKey { id } } }`);
    const key = created.createApiKey.secret;
    expect((await server.gql(`{ viewer { kind } }`, {}, key)).status).toBe(200);
    // Written to the row directly, as another server would: nothing in this process is told.
    await server.built.orm.em.fork().nativeUpdate(ApiKey, { id: created.createApiKey.apiKey.id }, { revokedAt: new Date() });
    expect((await server.gql(`{ viewer { kind } }`, {}, key)).status).toBe(401);
  });

  it("confines an org-scoped key to its organization", async () => {
    const f = fixtures(server);
    const acme = await f.organization("Acme");
    const globex = await f.organization("Globex");
    const globexUser = await f.user(globex, "eve@globex.test");
    const globexAccount = await f.account(globex, "main");
    const acmeAdmin = await server.createKey("ADMIN", acme);
    const orgs = await server.ok(`{ organizations { nodes { id } } }`, {}, acmeAdmin);
    expect(orgs.organizations.nodes).toEqual([{ id: acme }]);

    const attempts: Array<[string, Record<string, unknown>]> = [
      [`query($id: ID!) { organization(id: $id) { id } }`, { id: globex }],
      [`query($id: ID!) { user(id: $id) { id } }`, { id: globexUser }],
      [`query($o: ID!) { users(organizationId: $o) { nodes { id } } }`, { o: globex }],
      [`query($u: ID!, $a: ID!) { can(userId: $u, accountId: $a, permission: "x.y") }`, { u: globexUser, a: globexAccount }],
      [`mutation($o: ID!) { createUser(input: {organizationId: $o, userName: "mallory"}) { id } }`, { o: globex }],
      [`mutation($id: ID!) { updateUser(input: {id: $id, displayName: "pwned"}) { id } }`, { id: globexUser }],
      [`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "steal"}) { secret } }`, { o: globex }],
    ];
    for (const [query, variables] of attempts) {
      const result = await server.gql(query, variables, acmeAdmin);
      expect({ query, code: result.errors?.[0].extensions?.code }).toEqual({ query, code: "NOT_FOUND" });
    }
    const user = await server.ok(`query($id: ID!) { user(id: $id) { displayName } }`, { id: globexUser });
    expect(user.user.displayName).toBeNull();
  });

  it("refuses organization creation and global keys to an org-scoped key", async () => {
    const acme = await fixtures(server).organization("Acme");
    const acmeAdmin = await server.createKey("ADMIN", acme);
    const result = await server.gql(`mutation { createOrganization(input: {name: "Side"}) { id } }`, {}, acmeAdmin);
    expect(result.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const key = await server.ok(`mutation { createApiKey(input: {name: "app", role: READER}) { apiKey { organization { id } } } }`, {}, acmeAdmin);
    expect(key.createApiKey.apiKey.organization).toEqual({ id: acme });
  });

  it("never lets an org-scoped key issue a global key, whatever it sends as the organization", async () => {
    const acme = await fixtures(server).organization("Acme");
    const acmeAdmin = await server.createKey("ADMIN", acme);
    const globalKeys = () => server.built.orm.em.fork().count(ApiKey, { organization: null });
    const before = await globalKeys();
    for (const organizationId of ["", "   "]) {
      const literal = await server.gql(`mutation { createApiKey(input: {organizationId: ${JSON.stringify(organizationId)}, name: "escalate", role: ADMIN}) { secret } }`, {}, acmeAdmin);
      const variable = await server.gql(`mutation($o: ID) { createApiKey(input: {organizationId: $o, name: "escalate", role: ADMIN}) { secret } }`, { o: organizationId }, acmeAdmin);
      for (const result of [literal, variable]) {
        expect([organizationId, result.data?.createApiKey ?? null, result.errors?.[0].extensions?.code]).toEqual([organizationId, null, "BAD_USER_INPUT"]);
      }
    }
    // Past the graph's check, the command itself refuses: an organization's key issues its organization's keys only.
    const { createApiKey } = await import("../../src/domain/commands/credentials");
    const confined = { kind: "api_key" as const, id: "k", organizationId: acme, canWrite: true };
    await expect(createApiKey({ em: server.built.orm.em.fork(), actor: confined }, { name: "escalate", role: "ADMIN", organizationId: "" })).rejects.toThrow(/not found|no organization/i);
    expect(await globalKeys()).toBe(before);
  });

  it("refuses an empty id anywhere in an operation's arguments with BAD_USER_INPUT, running nothing", async () => {
    const f = fixtures(server);
    const acme = await f.organization("Acme");
    const role = (await server.ok(`mutation($o: ID!) { createRole(input: {organizationId: $o, key: "r", name: "R", permissions: ["a.b"]}) { id } }`, { o: acme })).createRole.id;
    const group = await f.group(acme, "Team");
    const bind = await server.gql(`mutation($r: ID!, $g: ID!, $o: ID!) { bindRole(input: {roleId: $r, groupId: $g, organizationId: $o, accountId: ""}) { id } }`, { r: role, g: group, o: acme });
    expect(bind.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(bind.errors?.[0].message).toContain("input.accountId");
    const checks = await server.gql(`query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`, { c: [{ userId: "u", accountId: "a", permission: "p" }, { userId: " ", accountId: "a", permission: "p" }] });
    expect(checks.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(checks.errors?.[0].message).toContain("checks[1].userId");
    expect((await server.ok(`query($o: ID!) { roleBindings(organizationId: $o) { totalCount } }`, { o: acme })).roleBindings.totalCount).toBe(0);
  });

  it("shows a SCIM token's secret once and never lists it", async () => {
    const acme = await fixtures(server).organization("Acme");
    const created = await server.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "okta"}) { secret token { id name } } }`, { o: acme });
    expect(created.createScimToken.secret).toMatch(/^idgs_[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const listed = await server.gql(`query($o: ID!) { scimTokens(organizationId: $o) { nodes { id name secret } } }`, { o: acme });
    expect(listed.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const revoked = await server.ok(`mutation($id: ID!) { revokeScimToken(id: $id) { revokedAt } }`, { id: created.createScimToken.token.id });
    expect(revoked.revokeScimToken.revokedAt).not.toBeNull();
  });

  it("rejects operations deeper or costlier than the limits", async () => {
    const nest = (levels: number): string => (levels === 0 ? "id" : `organization { accounts(first: 1) { nodes { ${nest(levels - 1)} } } }`);
    const deep = `{ organizations(first: 1) { nodes { accounts(first: 1) { nodes { ${nest(4)} } } } } }`;
    const depth = await server.gql(deep);
    expect(depth.status).toBe(400);
    expect(depth.errors?.[0].message).toMatch(/exceeds maximum operation depth/);
    const costly = await server.gql(`{ organizations(first: 1000) { nodes { accounts(first: 1000) { nodes { id name } } } } }`);
    expect(costly.status).toBe(400);
    expect(costly.errors?.[0].message).toMatch(/too complex/);
  });
});
