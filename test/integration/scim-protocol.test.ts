import { TestClock } from "../helpers/clock";
import { issueScimToken, q, scimClient, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, ...extra });

describe("SCIM: authentication, tenancy and discovery", () => {
  let server: TestServer;
  const clock = new TestClock();

  beforeAll(async () => {
    server = await startTestServer({ clock });
  });
  afterAll(async () => server.close());

  it("answers 401 in SCIM's error format without a token, or with an unknown one", async () => {
    for (const token of [null, "nope", "idgs_00000000-0000-7000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]) {
      const res = await scimClient(server, token)("GET", "/Users");
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: "401", detail: expect.any(String) });
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("refuses a revoked token and an expired one, while a second live token keeps working", async () => {
    const { organizationId: acme } = await scimTenant(server, "Acme");
    const first = await server.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "old"}) { secret token { id } } }`, { o: acme });
    const second = await issueScimToken(server, acme, "new");
    await server.ok(`mutation($id: ID!) { revokeScimToken(id: $id) { id } }`, { id: first.createScimToken.token.id });
    expect((await scimClient(server, first.createScimToken.secret)("GET", "/Users")).status).toBe(401);
    expect((await scimClient(server, second)("GET", "/Users")).status).toBe(200);

    // Expiry is checked on every request, also while the token's row is cached: the clock moves
    // to the expiry instant, well inside the credential cache's TTL.
    clock.set(new Date());
    const expiresAt = new Date(clock.now().getTime() + 1_000);
    const expiring = await server.ok(`mutation($o: ID!, $e: DateTimeISO!) { createScimToken(input: {organizationId: $o, name: "short", expiresAt: $e}) { secret token { id } } }`,
      { o: acme, e: expiresAt.toISOString() });
    const expiringScim = scimClient(server, expiring.createScimToken.secret);
    expect((await expiringScim("GET", "/Users")).status).toBe(200);
    clock.advance(999);
    expect((await expiringScim("GET", "/Users")).status).toBe(200);
    clock.advance(1);
    expect((await expiringScim("GET", "/Users")).status).toBe(401);
  });

  it("keeps each database's credentials to itself when two servers share a process", async () => {
    const { token, scim } = await scimTenant(server, "Acme");
    const other = await startTestServer();
    try {
      // The token's row is cached by this server; the other server's database has never seen it.
      expect((await scim("GET", "/Users")).status).toBe(200);
      const sameTokenElsewhere = scimClient(other, token);
      expect((await sameTokenElsewhere("GET", "/Users")).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it("sees a token revoked by disabling SCIM at once, though the token's row was cached", async () => {
    const { organizationId: org, token } = await scimTenant(server, "Cached");
    expect((await scimClient(server, token)("GET", "/Users")).status).toBe(200);
    await server.ok(`mutation($o: ID!) { disableScim(input: {organizationId: $o, mode: SOFT}) { id } }`, { o: org });
    expect((await scimClient(server, token)("GET", "/Users")).status).toBe(401);
  });

  it("records when a token was last used", async () => {
    const { organizationId: acme } = await scimTenant(server, "Acme");
    const created = await server.ok(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "probe"}) { secret token { id } } }`, { o: acme });
    const listed = async () => (await server.ok(`query($o: ID!) { scimTokens(organizationId: $o, first: 100) { nodes { id lastUsedAt } } }`, { o: acme }))
      .scimTokens.nodes.find((t: { id: string }) => t.id === created.createScimToken.token.id);
    expect((await listed()).lastUsedAt).toBeNull();
    const scim = scimClient(server, created.createScimToken.secret);
    await scim("GET", "/Users");
    const firstUse = clock.now().toISOString();
    expect((await listed()).lastUsedAt).toBe(firstUse);
    // Refreshed at most once a minute, so authenticating is not a write on every request.
    clock.advance(59_999);
    await scim("GET", "/Users");
    expect((await listed()).lastUsedAt).toBe(firstUse);
    clock.advance(1);
    await scim("GET", "/Users");
    expect((await listed()).lastUsedAt).toBe(clock.now().toISOString());
  });

  it("never shows one organization's users or groups to another's token", async () => {
    const { scim: acmeScim } = await scimTenant(server, "Acme");
    const { scim: globexScim } = await scimTenant(server, "Globex");
    const acmeUser = (await acmeScim("POST", "/Users", user("shared.name@example.com"))).body;
    const acmeGroup = (await acmeScim("POST", "/Groups", { displayName: "Admins" })).body;
    // The same names are free in the other organization.
    expect((await globexScim("POST", "/Users", user("shared.name@example.com"))).status).toBe(201);
    expect((await globexScim("POST", "/Groups", { displayName: "Admins" })).status).toBe(201);

    expect((await globexScim("GET", `/Users/${acmeUser.id}`)).status).toBe(404);
    expect((await globexScim("PUT", `/Users/${acmeUser.id}`, user("x@example.com"))).status).toBe(404);
    expect((await globexScim("PATCH", `/Users/${acmeUser.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] })).status).toBe(404);
    expect((await globexScim("DELETE", `/Users/${acmeUser.id}`)).status).toBe(404);
    expect((await globexScim("GET", `/Groups/${acmeGroup.id}`)).status).toBe(404);
    const globexUsers = await globexScim("GET", "/Users");
    expect(globexUsers.body.Resources.map((r: { id: string }) => r.id)).not.toContain(acmeUser.id);
    const search = await globexScim("GET", `/Users?filter=${q(`id eq "${acmeUser.id}"`)}`);
    expect(search.body.totalResults).toBe(0);
    // Nor can a group of one organization take a member from another.
    const globexGroup = (await globexScim("GET", `/Groups?filter=${q('displayName eq "Admins"')}`)).body.Resources[0];
    const addForeign = await globexScim("PATCH", `/Groups/${globexGroup.id}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: acmeUser.id }] }] });
    expect(addForeign.status).toBe(400);
    // In no group: `groups` is left out (RFC 7643 §2.5, empty and unassigned are the same).
    expect((await acmeScim("GET", `/Users/${acmeUser.id}`)).body.groups).toBeUndefined();
  });

  it("serves ServiceProviderConfig, ResourceTypes and Schemas from schema/scim, with absolute locations", async () => {
    const anonymous = scimClient(server, null);
    const config = await anonymous("GET", "/ServiceProviderConfig");
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ patch: { supported: true }, bulk: { supported: false }, filter: { supported: true, maxResults: 1000 }, etag: { supported: true }, sort: { supported: true } });
    expect(config.body.meta.location).toBe(`${server.url}/scim/v2/ServiceProviderConfig`);
    const types = await anonymous("GET", "/ResourceTypes");
    expect(types.body.Resources.map((t: { id: string }) => t.id)).toEqual(["User", "Group"]);
    const schemas = await anonymous("GET", "/Schemas");
    expect(schemas.body.totalResults).toBe(3);
    const userSchema = await anonymous("GET", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
    expect(userSchema.body.attributes.find((a: { name: string }) => a.name === "userName")).toMatchObject({ uniqueness: "server", caseExact: false, required: true });
    expect((await anonymous("GET", "/Schemas/urn:nope")).status).toBe(404);
  });

  it("answers unknown endpoints with a SCIM 404", async () => {
    const { scim } = await scimTenant(server);
    const res = await scim("GET", "/Widgets");
    expect(res.status).toBe(404);
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  });
});
