import { CAN, EFFECTIVE_ACCESS, fixtures } from "../helpers/graph-fixtures";
import { fixture, q, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/**
 * Microsoft Entra ID's lifecycle, replayed with the bodies its provisioning service sends. Each
 * test starts from a new organization and provisions what its step needs first.
 */
describe("SCIM: a Microsoft Entra ID lifecycle", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /** A new organization whose IdP role values map to roles, with a default role, connected to Entra by its own token. */
  async function contoso() {
    const f = fixtures(server);
    const { organizationId: org, scim } = await scimTenant(server, "Contoso");
    const account = await f.account(org, "prod");
    const payments = await f.role(org, "payments", ["payments.approve"]);
    const auditor = await f.role(org, "auditor", ["audit.read"]);
    const member = await f.role(org, "member", ["profile.read"]);
    await f.map(org, "finance-approver", payments);
    await f.map(org, "AUDITOR", auditor);
    await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: org, r: member });
    return { org, account, scim };
  }
  type Contoso = Awaited<ReturnType<typeof contoso>>;

  /** Entra's create of the test user (IdP role Finance-Approver). */
  const provisionUser = async ({ scim }: Contoso): Promise<string> => (await scim("POST", "/Users", fixture("entra/create-user.json"))).body.id;
  /** A second user, to be the first one's manager. */
  const provisionManager = async ({ scim }: Contoso): Promise<string> =>
    (await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "boss@contoso.com", active: true })).body.id;

  it("passes Entra's connection test: a filter that matches nothing", async () => {
    const { scim } = await contoso();
    const res = await scim("GET", `/Users?filter=${q('userName eq "non-existent user 2f5e6f0d"')}`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  it("accepts the aadOptscim062020 flag Entra appends to every request", async () => {
    const { scim } = await contoso();
    const res = await scim("GET", `/Users?aadOptscim062020&filter=${q('userName eq "nobody@contoso.com"')}`);
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(0);
  });

  it("creates a user with the enterprise extension and IdP roles", async () => {
    const { scim } = await contoso();
    const res = await scim("POST", "/Users", fixture("entra/create-user.json"));
    expect(res.status).toBe(201);
    expect(res.body.schemas).toEqual(["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]);
    expect(res.body[ENTERPRISE]).toEqual({ department: "Finance", employeeNumber: "701984" });
    expect(res.body.roles).toEqual([{ primary: true, type: "WindowsAzureActiveDirectoryRole", value: "Finance-Approver" }]);
  });

  it("maps the IdP role value to a role, case-insensitively", async () => {
    const tenant = await contoso();
    const { account } = tenant;
    const userId = await provisionUser(tenant);
    const data = await server.ok(EFFECTIVE_ACCESS, { u: userId, a: account });
    expect(data.effectiveAccess.roles.map((r: { key: string }) => r.key)).toEqual(["payments"]);
  });

  it("looks users up by userName and by externalId", async () => {
    const tenant = await contoso();
    const { scim } = tenant;
    const userId = await provisionUser(tenant);
    const byName = await scim("GET", `/Users?filter=${q('userName eq "test_user_ab6490ee-1e48-479e-a20b-2d77186b5dd1@contoso.com"')}`);
    expect(byName.body.Resources.map((r: { id: string }) => r.id)).toEqual([userId]);
    const byExternal = await scim("GET", `/Users?filter=${q('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')}`);
    expect(byExternal.body.Resources.map((r: { id: string }) => r.id)).toEqual([userId]);
  });

  it("updates with capitalised ops, a filtered e-mail path, a bare-id manager and an extension path", async () => {
    const tenant = await contoso();
    const { scim } = tenant;
    const managerId = await provisionManager(tenant);
    const userId = await provisionUser(tenant);
    const res = await scim("PATCH", `/Users/${userId}`, fixture("entra/update-user.json", { managerId }));
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ primary: true, type: "work", value: "updatedEmail@microsoft.com" }]);
    expect(res.body.name.familyName).toBe("updatedFamilyName");
    expect(res.body[ENTERPRISE]).toEqual({ department: "Payments", employeeNumber: "701984", manager: { value: managerId } });
  });

  it("creates the work e-mail when a filtered path matches nothing", async () => {
    const { scim } = await contoso();
    const bare = (await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "no.mail@contoso.com" })).body.id;
    const res = await scim("PATCH", `/Users/${bare}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "Replace", path: 'emails[type eq "work"].value', value: "no.mail@contoso.com" }],
    });
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ type: "work", value: "no.mail@contoso.com" }]);
    expect((await scim("DELETE", `/Users/${bare}`)).status).toBe(204);
  });

  it("changes the user's access the moment the IdP changes its roles", async () => {
    const tenant = await contoso();
    const { scim, account } = tenant;
    const userId = await provisionUser(tenant);
    expect((await server.ok(CAN, { u: userId, a: account, p: "payments.approve" })).can).toBe(true);
    await scim("PATCH", `/Users/${userId}`, fixture("entra/change-roles.json"));
    expect((await server.ok(CAN, { u: userId, a: account, p: "audit.read" })).can).toBe(true);
    expect((await server.ok(CAN, { u: userId, a: account, p: "payments.approve" })).can).toBe(false);
  });

  it("disables with the legacy string boolean and re-enables with a real one", async () => {
    const tenant = await contoso();
    const { scim, account } = tenant;
    const userId = await provisionUser(tenant);
    await scim("PATCH", `/Users/${userId}`, fixture("entra/change-roles.json"));
    const off = await scim("PATCH", `/Users/${userId}`, fixture("entra/disable-user-legacy.json"));
    expect(off.body.active).toBe(false);
    expect((await server.ok(CAN, { u: userId, a: account, p: "audit.read" })).can).toBe(false);
    const on = await scim("PATCH", `/Users/${userId}`, fixture("entra/enable-user.json"));
    expect(on.body.active).toBe(true);
    expect((await server.ok(CAN, { u: userId, a: account, p: "audit.read" })).can).toBe(true);
  });

  it("creates a group, finds it by displayName without members, adds and removes a member by value list", async () => {
    const tenant = await contoso();
    const { scim } = tenant;
    const managerId = await provisionManager(tenant);
    const userId = await provisionUser(tenant);
    const created = await scim("POST", "/Groups", fixture("entra/create-group.json"));
    expect(created.status).toBe(201);
    const groupId = created.body.id;
    const found = await scim("GET", `/Groups?excludedAttributes=members&filter=${q('displayName eq "finance approvers"')}`);
    expect(found.body.Resources).toEqual([expect.objectContaining({ id: groupId, externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" })]);
    expect(found.body.Resources[0]).not.toHaveProperty("members");

    await scim("PATCH", `/Groups/${groupId}`, fixture("entra/add-member.json", { userId }));
    await scim("PATCH", `/Groups/${groupId}`, fixture("entra/add-member.json", { userId: managerId }));
    const withBoth = await scim("GET", `/Groups/${groupId}`);
    expect(withBoth.body.members.map((m: { value: string }) => m.value).sort()).toEqual([userId, managerId].sort());

    const removed = await scim("PATCH", `/Groups/${groupId}?attributes=members`, fixture("entra/remove-member.json", { userId }));
    expect(removed.status).toBe(200);
    // Only the listed member goes: naive servers empty the whole group here.
    expect(removed.body.members.map((m: { value: string }) => m.value)).toEqual([managerId]);
  });

  it("renames the group", async () => {
    const { scim } = await contoso();
    const groupId = (await scim("POST", "/Groups", fixture("entra/create-group.json"))).body.id;
    const res = await scim("PATCH", `/Groups/${groupId}`, fixture("entra/rename-group.json"));
    expect(res.status).toBe(204);
    const found = await scim("GET", `/Groups?filter=${q('displayName eq "Finance Approvers (EMEA)"')}&excludedAttributes=members`);
    expect(found.body.totalResults).toBe(1);
  });

  it("deletes the group and the user; the audit log keeps the record", async () => {
    const tenant = await contoso();
    const { org, scim } = tenant;
    const userId = await provisionUser(tenant);
    const groupId = (await scim("POST", "/Groups", { ...fixture("entra/create-group.json"), members: [{ value: userId }] })).body.id;
    expect((await scim("DELETE", `/Groups/${groupId}`)).status).toBe(204);
    expect((await scim("DELETE", `/Users/${userId}`)).status).toBe(204);
    expect((await scim("GET", `/Users/${userId}`)).status).toBe(404);
    const data = await server.ok(`query($o: ID!, $t: ID!) { auditEvents(organizationId: $o, filter: {targetId: $t}) { nodes { type } } }`, { o: org, t: userId });
    expect(data.auditEvents.nodes.map((e: { type: string }) => e.type)).toContain("scim.member.delete");
  });
});
