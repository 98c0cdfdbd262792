import { CAN, fixtures } from "../helpers/graph-fixtures";
import { fixture, q, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * Okta's whole lifecycle, replayed with the bodies Okta sends. Each test starts from a new
 * organization and replays the earlier steps it needs; the last replays them all, in Okta's order.
 */
describe("SCIM: an Okta lifecycle", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /** A new organization with a production account, connected to Okta by its own SCIM token. */
  async function oktaTenant() {
    const { organizationId: org, scim } = await scimTenant(server, "Acme");
    return { org, account: await fixtures(server).account(org, "prod"), scim };
  }
  type OktaTenant = Awaited<ReturnType<typeof oktaTenant>>;

  /** Okta's first push of the user: POST /Users with the recorded body. */
  const createIsaac = async ({ scim }: OktaTenant): Promise<string> => (await scim("POST", "/Users", fixture("okta/create-user.json"))).body.id;

  /** Okta's group push: POST /Groups, then a PATCH that adds the user. */
  async function pushGroup({ scim }: OktaTenant, userId: string): Promise<string> {
    const groupId = (await scim("POST", "/Groups", fixture("okta/create-group.json"))).body.id;
    await scim("PATCH", `/Groups/${groupId}`, fixture("okta/add-members.json", { userId }));
    return groupId;
  }

  /** An admin binds a role to the pushed group, so membership shows as access. */
  async function grantThroughGroup({ org }: OktaTenant, groupId: string): Promise<void> {
    const role = await fixtures(server).role(org, "pushed", ["reports.read"]);
    await fixtures(server).bind({ roleId: role, groupId, organizationId: org });
  }

  it("passes Okta's connection test: list users with no filter", async () => {
    const { scim } = await oktaTenant();
    const res = await scim("GET", "/Users?startIndex=1&count=1");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it("looks the user up by userName before creating it, then creates it", async () => {
    const { scim } = await oktaTenant();
    const lookup = await scim("GET", `/Users?filter=${q('userName eq "isaac.brock@example.com"')}&startIndex=1&count=100`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await scim("POST", "/Users", fixture("okta/create-user.json"));
    expect(created.status).toBe(201);
    const userId = created.body.id;
    expect(created.headers.get("location")).toBe(`${server.url}/scim/v2/Users/${userId}`);
    expect(created.headers.get("etag")).toBe('W/"1"');
    expect(created.body).toMatchObject({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "isaac.brock@example.com",
      name: { givenName: "Isaac", familyName: "Brock" },
      emails: [{ primary: true, value: "isaac.brock@example.com", type: "work" }],
      externalId: "00ujl29u0le5T6Aj10h7",
      active: true,
      meta: { resourceType: "User", location: `${server.url}/scim/v2/Users/${userId}`, version: 'W/"1"' },
    });
    expect(created.body).not.toHaveProperty("password");
  });

  it("answers 409 uniqueness when the userName exists in another case", async () => {
    const okta = await oktaTenant();
    await createIsaac(okta);
    const body = { ...fixture("okta/create-user.json"), userName: "ISAAC.BROCK@example.com" };
    const res = await okta.scim("POST", "/Users", body);
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "409", scimType: "uniqueness", detail: "userName is already taken in this organization" });
  });

  it("finds the user by userName case-insensitively", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    const userId = await createIsaac(okta);
    const res = await scim("GET", `/Users?filter=${q('userName eq "Isaac.Brock@Example.com"')}&startIndex=1&count=100`);
    expect(res.body.totalResults).toBe(1);
    expect(res.body.Resources[0].id).toBe(userId);
  });

  it("updates the profile with PUT", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    const userId = await createIsaac(okta);
    const res = await scim("PUT", `/Users/${userId}`, fixture("okta/replace-user.json", { userId }));
    expect(res.status).toBe(200);
    expect(res.body.name).toEqual({ givenName: "Isaac", familyName: "Brock-Stein" });
    expect(res.body.emails).toEqual([{ primary: true, value: "isaac.brock-stein@example.com", type: "work" }]);
    expect(res.body.meta.version).toBe('W/"2"');
  });

  it("pushes a group and adds the user to it with PATCH", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    const userId = await createIsaac(okta);
    const lookup = await scim("GET", `/Groups?filter=${q('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`);
    expect(lookup.body.totalResults).toBe(0);
    const created = await scim("POST", "/Groups", fixture("okta/create-group.json"));
    expect(created.status).toBe(201);
    const groupId = created.body.id;
    expect(created.body).toMatchObject({ displayName: "Test SCIMv2" });
    // RFC 7643 §2.5: an empty member list and an unassigned one are the same, so it is left out.
    expect(created.body.members).toBeUndefined();
    const patched = await scim("PATCH", `/Groups/${groupId}`, fixture("okta/add-members.json", { userId }));
    expect(patched.status).toBe(204);
    expect(patched.headers.get("etag")).toBe('W/"2"');
    const group = await scim("GET", `/Groups/${groupId}`);
    expect(group.body.members).toEqual([{ value: userId, $ref: `${server.url}/scim/v2/Users/${userId}`, display: "Isaac Brock", type: "User" }]);
  });

  it("grants the group's role to the user at once, visible over GraphQL", async () => {
    const okta = await oktaTenant();
    const userId = await createIsaac(okta);
    const groupId = await pushGroup(okta, userId);
    const { org, account } = okta;
    const role = await fixtures(server).role(org, "pushed", ["reports.read"]);
    await fixtures(server).bind({ roleId: role, groupId, organizationId: org });
    expect((await server.ok(CAN, { u: userId, a: account, p: "reports.read" })).can).toBe(true);
  });

  it("shows the user's groups, read-only", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    const userId = await createIsaac(okta);
    const groupId = await pushGroup(okta, userId);
    const res = await scim("GET", `/Users/${userId}`);
    expect(res.body.groups).toEqual([{ value: groupId, $ref: `${server.url}/scim/v2/Groups/${groupId}`, display: "Test SCIMv2", type: "direct" }]);
  });

  it("lists groups without members when asked to exclude them", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    await pushGroup(okta, await createIsaac(okta));
    const res = await scim("GET", "/Groups?excludedAttributes=members&startIndex=1&count=100");
    expect(res.body.Resources).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    expect(res.body.Resources[0].displayName).toBe("Test SCIMv2");
  });

  it("renames the group with a PATCH without path", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    const userId = await createIsaac(okta);
    const groupId = await pushGroup(okta, userId);
    const res = await scim("PATCH", `/Groups/${groupId}?attributes=displayName`, fixture("okta/rename-group.json", { groupId }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: groupId, displayName: "Test SCIMv2 Renamed" });
  });

  it("removes the member with a filter path, and the member is really gone", async () => {
    const okta = await oktaTenant();
    const { scim, account } = okta;
    const userId = await createIsaac(okta);
    const groupId = await pushGroup(okta, userId);
    await grantThroughGroup(okta, groupId);
    expect((await server.ok(CAN, { u: userId, a: account, p: "reports.read" })).can).toBe(true);
    const res = await scim("PATCH", `/Groups/${groupId}`, fixture("okta/remove-member.json", { userId }));
    expect(res.status).toBe(204);
    const again = await scim("GET", `/Groups/${groupId}`);
    expect(again.body.members).toBeUndefined();
    expect((await server.ok(CAN, { u: userId, a: account, p: "reports.read" })).can).toBe(false);
  });

  it("deactivates the user (suspends: no access, user kept) and reactivates it", async () => {
    const okta = await oktaTenant();
    const { scim, account } = okta;
    const userId = await createIsaac(okta);
    const groupId = await pushGroup(okta, userId);
    await grantThroughGroup(okta, groupId);
    expect((await server.ok(CAN, { u: userId, a: account, p: "reports.read" })).can).toBe(true);
    const off = await scim("PATCH", `/Users/${userId}`, fixture("okta/deactivate-user.json"));
    expect(off.status).toBe(200);
    expect(off.body.active).toBe(false);
    expect((await server.ok(CAN, { u: userId, a: account, p: "reports.read" })).can).toBe(false);
    expect((await scim("GET", `/Users/${userId}`)).status).toBe(200);
    const on = await scim("PATCH", `/Users/${userId}`, fixture("okta/reactivate-user.json"));
    expect(on.body.active).toBe(true);
    expect((await server.ok(CAN, { u: userId, a: account, p: "reports.read" })).can).toBe(true);
  });

  it("deletes the group, then the user", async () => {
    const okta = await oktaTenant();
    const { scim } = okta;
    const userId = await createIsaac(okta);
    const groupId = await pushGroup(okta, userId);
    expect((await scim("DELETE", `/Groups/${groupId}`)).status).toBe(204);
    expect((await scim("GET", `/Groups/${groupId}`)).status).toBe(404);
    expect((await scim("DELETE", `/Users/${userId}`)).status).toBe(204);
    const gone = await scim("GET", `/Users/${userId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  });

  it("leaves a SCIM-named audit trail of the whole lifecycle", async () => {
    const okta = await oktaTenant();
    const { org, scim } = okta;
    const userId = await createIsaac(okta);
    await scim("PUT", `/Users/${userId}`, fixture("okta/replace-user.json", { userId }));
    const groupId = await pushGroup(okta, userId);
    await scim("PATCH", `/Groups/${groupId}`, fixture("okta/rename-group.json", { groupId }));
    await scim("PATCH", `/Groups/${groupId}`, fixture("okta/remove-member.json", { userId }));
    await scim("PATCH", `/Groups/${groupId}`, fixture("okta/add-members.json", { userId }));
    await scim("PATCH", `/Users/${userId}`, fixture("okta/deactivate-user.json"));
    await scim("PATCH", `/Users/${userId}`, fixture("okta/reactivate-user.json"));
    await scim("DELETE", `/Groups/${groupId}`);
    await scim("DELETE", `/Users/${userId}`);

    const data = await server.ok(`query($o: ID!) { auditEvents(organizationId: $o, first: 200) { nodes { type actorType } } }`, { o: org });
    const scimEvents = data.auditEvents.nodes.filter((e: { actorType: string }) => e.actorType === "scim_token").map((e: { type: string }) => e.type);
    expect(scimEvents).toEqual([
      "scim.member.create", "scim.member.update", "scim.idp_group.create", "scim.idp_group.member_add",
      "scim.idp_group.update", "scim.idp_group.member_delete", "scim.idp_group.member_add",
      "scim.member.update", "scim.member.update", "scim.idp_group.delete", "scim.member.delete",
    ]);
  });
});
