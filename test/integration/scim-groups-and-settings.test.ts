import { CAN, fixtures } from "../helpers/graph-fixtures";
import { issueScimToken, q, scimClient, scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, ...extra });

describe("SCIM: nested groups, big groups and organization settings", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  it("nests groups, resolves access through the chain, and refuses a cycle with invalidValue", async () => {
    const { organizationId: org, scim } = await scimTenant(server);
    const account = await f.account(org, "prod");
    const ada = (await scim("POST", "/Users", user("ada@acme.test"))).body.id;
    const sre = (await scim("POST", "/Groups", { displayName: "SRE", members: [{ value: ada, type: "User" }] })).body.id;
    const platform = (await scim("POST", "/Groups", { displayName: "Platform", members: [{ value: sre, type: "Group" }] })).body.id;
    const engineering = (await scim("POST", "/Groups", { displayName: "Engineering" })).body.id;
    await scim("PATCH", `/Groups/${engineering}`, ops({ op: "add", path: "members", value: [{ value: platform, type: "Group" }] }));
    const role = await f.role(org, "engineer", ["code.push"]);
    await f.bind({ roleId: role, groupId: engineering, accountId: account });
    expect((await server.ok(CAN, { u: ada, a: account, p: "code.push" })).can).toBe(true);

    const groupsOfAda = (await scim("GET", `/Users/${ada}`)).body.groups;
    expect(groupsOfAda.map((g: { display: string; type: string }) => `${g.display}:${g.type}`).sort()).toEqual(["Engineering:indirect", "Platform:indirect", "SRE:direct"]);
    const members = (await scim("GET", `/Groups/${engineering}`)).body.members;
    expect(members).toEqual([{ value: platform, $ref: `${server.url}/scim/v2/Groups/${platform}`, display: "Platform", type: "Group" }]);

    const cycle = await scim("PATCH", `/Groups/${sre}`, ops({ op: "add", path: "members", value: [{ value: engineering }] }));
    expect(cycle.status).toBe(400);
    expect(cycle.body.scimType).toBe("invalidValue");
    expect(cycle.body.detail).toMatch(/cycle/);
    expect((await scim("GET", `/Groups?filter=${q(`members[value eq "${ada}"]`)}&excludedAttributes=members`)).body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(["SRE"]);
  });

  it("adds one member to a big group as one insert: only the named member's membership is looked up, never the list", async () => {
    const { scim } = await scimTenant(server);
    const small = (await scim("POST", "/Groups", { displayName: "Small" })).body.id;
    const big = (await scim("POST", "/Groups", { displayName: "Everyone" })).body.id;
    const members: string[] = [];
    for (let i = 0; i < 62; i += 1) members.push((await scim("POST", "/Users", user(`member${i}@acme.test`))).body.id);
    await scim("PATCH", `/Groups/${big}`, ops({ op: "add", path: "members", value: members.slice(0, 60).map((value) => ({ value })) }));
    expect((await scim("GET", `/Groups/${big}?attributes=members`)).body.members).toHaveLength(60);

    const addOne = (group: string, member: string) => server.captureQueries(async () => {
      expect((await scim("PATCH", `/Groups/${group}`, ops({ op: "add", path: "members", value: [{ value: member }] }))).status).toBe(204);
    });
    const onSmall = await addOne(small, members[60]);
    const onBig = await addOne(big, members[61]);
    expect(onBig.length).toBe(onSmall.length);
    // On the table: a probe of the named (group, member) pairs by the unique indexes (each
    // change of a batch must know what it changes), the walk up to the groups containing this one
    // (is a role bound on or above it? then the change may alter access: access.changed), then
    // the insert; nothing reads the list.
    const touchingMemberships = onBig.filter((sql) => /group_membership/.test(sql));
    expect(touchingMemberships).toHaveLength(3);
    expect(touchingMemberships[0]).toMatch(/^select group_id, member_user_id as member_id, 'user' as kind from group_membership where group_id in .* and member_user_id in /);
    expect(touchingMemberships[1]).toMatch(/^with recursive above\(group_id\) as \( select id as group_id from "group" where id in .* select 1 as found from role_binding /);
    expect(touchingMemberships[2]).toMatch(/^insert into [`"]?group_membership[`"]?/);
    // The member's id is looked up once (a user of this organization), not checked again.
    expect(onBig.filter((sql) => /from [`"]user[`"]/.test(sql))).toHaveLength(1);
  });

  it("replaces the whole member list with PATCH replace and with PUT", async () => {
    const { scim } = await scimTenant(server);
    const ids = await Promise.all(["r1", "r2", "r3"].map(async (n) => (await scim("POST", "/Users", user(`${n}@acme.test`))).body.id));
    const group = (await scim("POST", "/Groups", { displayName: "Rotating", members: [{ value: ids[0] }, { value: ids[1] }] })).body.id;
    const replaced = await scim("PATCH", `/Groups/${group}?attributes=members`, ops({ op: "replace", path: "members", value: [{ value: ids[1] }, { value: ids[2] }] }));
    expect(replaced.body.members.map((m: { value: string }) => m.value).sort()).toEqual([ids[1], ids[2]].sort());
    const put = await scim("PUT", `/Groups/${group}`, { displayName: "Rotating", members: [{ value: ids[0] }] });
    expect(put.body.members.map((m: { value: string }) => m.value)).toEqual([ids[0]]);
    const emptied = await scim("PATCH", `/Groups/${group}?attributes=members`, ops({ op: "remove", path: "members" }));
    expect(emptied.body.members).toBeUndefined();
  });

  it("lists groups with excludedAttributes=members without reading memberships", async () => {
    const { scim } = await scimTenant(server);
    const member = (await scim("POST", "/Users", user("member@acme.test"))).body.id;
    for (const displayName of ["Listed A", "Listed B"]) await scim("POST", "/Groups", { displayName, members: [{ value: member }] });
    const statements = await server.captureQueries(async () => {
      const res = await scim("GET", "/Groups?excludedAttributes=members");
      expect(res.body.Resources.map((g: { displayName: string }) => g.displayName)).toEqual(["Listed A", "Listed B"]);
      expect(res.body.Resources[0]).not.toHaveProperty("members");
    });
    expect(statements.filter((sql) => /group_membership/.test(sql))).toEqual([]);
  });

  it("suspends on active:false by default, and deletes instead when the organization says so", async () => {
    const { organizationId: org, scim } = await scimTenant(server);
    const id = (await scim("POST", "/Users", user("leaver@acme.test"))).body.id;
    await scim("PATCH", `/Users/${id}`, ops({ op: "replace", value: { active: false } }));
    expect((await scim("GET", `/Users/${id}`)).body.active).toBe(false);
    await server.ok(`mutation($o: ID!) { updateOrganization(input: {id: $o, scimDeprovisionMode: DELETE}) { id } }`, { o: org });
    const res = await scim("PATCH", `/Users/${id}`, ops({ op: "replace", value: { active: true } }));
    expect(res.body.active).toBe(true);
    const deprovisioned = await scim("PATCH", `/Users/${id}`, ops({ op: "replace", value: { active: false } }));
    // The answer is the user as the request left it: inactive, at a version and time of its own.
    expect(deprovisioned.body.active).toBe(false);
    expect(deprovisioned.headers.get("etag")).not.toBe(res.headers.get("etag"));
    expect(deprovisioned.body.meta.version).toBe(deprovisioned.headers.get("etag"));
    expect(deprovisioned.body.meta.lastModified >= res.body.meta.lastModified).toBe(true);
    expect((await scim("GET", `/Users/${id}`)).status).toBe(404);
  });

  it("creates users inactive when auto-activate is off, for an admin to activate", async () => {
    const { organizationId: org, scim } = await scimTenant(server);
    await server.ok(`mutation($o: ID!) { updateOrganization(input: {id: $o, scimAutoActivate: false}) { id } }`, { o: org });
    const created = await scim("POST", "/Users", user("newcomer@acme.test", { active: true }));
    expect(created.body.active).toBe(false);
    const activated = await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: true}) { active } }`, { id: created.body.id });
    expect(activated.updateUser.active).toBe(true);
  });

  it("refuses group endpoints with a clear error while group sync is off", async () => {
    const { organizationId: org, scim } = await scimTenant(server);
    await server.ok(`mutation($o: ID!) { updateOrganization(input: {id: $o, scimSyncGroups: false}) { id } }`, { o: org });
    for (const [method, path, body] of [["GET", "/Groups", undefined], ["POST", "/Groups", { displayName: "Blocked" }]] as const) {
      const res = await scim(method, path, body);
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/sync groups/);
    }
    expect((await scim("GET", "/Users")).status).toBe(200);
  });

  it("disables SCIM in soft mode: tokens revoked, users kept active and admin-managed", async () => {
    const other = await f.organization("Soft Inc");
    const client = scimClient(server, await issueScimToken(server, other));
    const id = (await client("POST", "/Users", user("kept@soft.test"))).body.id;
    await server.ok(`mutation($o: ID!) { disableScim(input: {organizationId: $o, mode: SOFT}) { scimEnabled } }`, { o: other });
    expect((await client("GET", "/Users")).status).toBe(401);
    const data = await server.ok(`query($id: ID!) { user(id: $id) { active managedBy } }`, { id });
    expect(data.user).toEqual({ active: true, managedBy: "ADMIN" });
  });

  it("disables SCIM in lock mode: tokens revoked, SCIM users deactivated", async () => {
    const other = await f.organization("Lock Inc");
    const client = scimClient(server, await issueScimToken(server, other));
    const id = (await client("POST", "/Users", user("locked@lock.test"))).body.id;
    await server.ok(`mutation($o: ID!) { disableScim(input: {organizationId: $o, mode: LOCK}) { scimEnabled } }`, { o: other });
    expect((await client("GET", "/Users")).status).toBe(401);
    const data = await server.ok(`query($id: ID!) { user(id: $id) { active managedBy } }`, { id });
    expect(data.user).toEqual({ active: false, managedBy: "SCIM" });
    await server.ok(`mutation($o: ID!) { enableScim(organizationId: $o) { scimEnabled } }`, { o: other });
    const fresh = scimClient(server, await issueScimToken(server, other));
    expect((await fresh("GET", "/Users")).body.totalResults).toBe(1);
  });

  it("refuses over GraphQL what the IdP owns on SCIM-managed groups", async () => {
    const { scim } = await scimTenant(server);
    const group = (await scim("POST", "/Groups", { displayName: "IdP Owned" })).body.id;
    const res = await server.gql(`mutation($id: ID!) { updateGroup(input: {id: $id, displayName: "Hijacked"}) { id } }`, { id: group });
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0].message).toMatch(/owned by the identity provider/);
  });
});
