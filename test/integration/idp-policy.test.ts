import { memberListsOfGroups } from "../../src/domain/queries/memberships";
import { CAN, fixtures } from "../helpers/graph-fixtures";
import { issueScimToken, q, scimClient, scimTenant, type ScimCall } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });

/** The organization's policy binds its identity provider (README "Security model"). */
describe("the organization's policy binds the IdP", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  async function tenant(name: string, settings: Record<string, unknown> = {}): Promise<{ org: string; scim: ScimCall }> {
    const { organizationId: org, scim } = await scimTenant(server, name);
    if (Object.keys(settings).length > 0) {
      await server.ok(`mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id } }`, { input: { id: org, ...settings } });
    }
    return { org, scim };
  }
  const userOverGraph = async (id: string) =>
    (await server.ok(`query($id: ID!) { user(id: $id) { active managedBy pendingAdminActivation protectedFromScim } }`, { id })).user;

  describe("auto-activate off: only an admin activates a pending user", () => {
    it("the IdP's PATCH active:true and PUT with active:true leave the user inactive; an admin's activation sticks", async () => {
      const { scim } = await tenant("Pending", { scimAutoActivate: false });
      const created = await scim("POST", "/Users", { schemas: [USER], userName: "pending@policy.test", active: true });
      expect(created.status).toBe(201);
      expect(created.body.active).toBe(false);
      const id = created.body.id;

      const patched = await scim("PATCH", `/Users/${id}`, ops({ op: "replace", value: { active: true } }));
      expect(patched.status).toBe(200);
      expect(patched.body.active).toBe(false);
      const put = await scim("PUT", `/Users/${id}`, { schemas: [USER], userName: "pending@policy.test", active: true, title: "Engineer" });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ active: false, title: "Engineer" });
      expect(await userOverGraph(id)).toMatchObject({ active: false, pendingAdminActivation: true });

      await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: true}) { id } }`, { id });
      expect(await userOverGraph(id)).toMatchObject({ active: true, pendingAdminActivation: false });
      // Once an admin activated it, the IdP suspends and restores it as usual.
      expect((await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "active", value: false }))).body.active).toBe(false);
      expect((await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "active", value: true }))).body.active).toBe(true);
    });

    it("users locked by disabling SCIM in LOCK mode wait for an admin even after SCIM is enabled again", async () => {
      const { org, scim } = await tenant("Locked");
      const id = (await scim("POST", "/Users", { schemas: [USER], userName: "locked@policy.test" })).body.id;
      await server.ok(`mutation($o: ID!) { disableScim(input: {organizationId: $o, mode: LOCK}) { id } }`, { o: org });
      await server.ok(`mutation($o: ID!) { enableScim(organizationId: $o) { id } }`, { o: org });
      const again = scimClient(server, await issueScimToken(server, org, "again"));
      expect((await again("PATCH", `/Users/${id}`, ops({ op: "replace", path: "active", value: true }))).body.active).toBe(false);
    });
  });

  describe("users an admin created", () => {
    it("the IdP reads them but may not deactivate or delete them until an admin links them", async () => {
      const { org, scim } = await tenant("Admin users");
      const admin = await f.user(org, "breakglass@policy.test");
      expect((await scim("GET", `/Users/${admin}`)).status).toBe(200);

      const deactivate = await scim("PATCH", `/Users/${admin}`, ops({ op: "replace", value: { active: false } }));
      expect(deactivate.status).toBe(403);
      expect(deactivate.body.detail).toMatch(/linkUserToScim/);
      expect((await scim("DELETE", `/Users/${admin}`)).status).toBe(403);
      expect((await scim("PUT", `/Users/${admin}`, { schemas: [USER], userName: "breakglass@policy.test", active: false })).status).toBe(403);
      expect(await userOverGraph(admin)).toMatchObject({ active: true, managedBy: "ADMIN" });

      await server.ok(`mutation($id: ID!) { linkUserToScim(id: $id) { id } }`, { id: admin });
      expect((await scim("PATCH", `/Users/${admin}`, ops({ op: "replace", value: { active: false } }))).body.active).toBe(false);
      expect(await userOverGraph(admin)).toMatchObject({ managedBy: "SCIM" });
      const events = await server.ok(`query($o: ID!) { auditEvents(organizationId: $o, first: 50) { nodes { type targetId } } }`, { o: org });
      expect(events.auditEvents.nodes).toContainEqual({ type: "user.link_scim", targetId: admin });
    });

    it("with scimLinkAdminUsers on, the IdP's first change links the user (audited)", async () => {
      const { org, scim } = await tenant("Adopt", { scimLinkAdminUsers: true });
      const admin = await f.user(org, "adopted@policy.test");
      const response = await scim("PATCH", `/Users/${admin}`, ops({ op: "replace", path: "title", value: "Synced" }));
      expect(response.status).toBe(200);
      expect(await userOverGraph(admin)).toMatchObject({ managedBy: "SCIM" });
      const events = await server.ok(`query($o: ID!) { auditEvents(organizationId: $o, first: 50) { nodes { type targetId } } }`, { o: org });
      expect(events.auditEvents.nodes).toContainEqual({ type: "user.link_scim", targetId: admin });
    });

    it("a protected user does not exist for SCIM, even with scimLinkAdminUsers on", async () => {
      const { org, scim } = await tenant("Protected", { scimLinkAdminUsers: true });
      const admin = await f.user(org, "root@policy.test", { protectedFromScim: true });
      const group = (await scim("POST", "/Groups", { displayName: "Everyone" })).body.id;
      expect((await scim("GET", `/Users/${admin}`)).status).toBe(404);
      expect((await scim("GET", `/Users?filter=${q('userName eq "root@policy.test"')}`)).body.totalResults).toBe(0);
      expect((await scim("GET", "/Users")).body.Resources.map((u: { id: string }) => u.id)).not.toContain(admin);
      expect((await scim("PATCH", `/Users/${admin}`, ops({ op: "replace", value: { active: false } }))).status).toBe(404);
      expect((await scim("DELETE", `/Users/${admin}`)).status).toBe(404);
      expect((await scim("PATCH", `/Groups/${group}`, ops({ op: "add", path: "members", value: [{ value: admin }] }))).status).toBe(400);
      expect(await userOverGraph(admin)).toMatchObject({ active: true, managedBy: "ADMIN", protectedFromScim: true });
      const link = await server.gql(`mutation($id: ID!) { linkUserToScim(id: $id) { id } }`, { id: admin });
      expect(link.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    });

    it("a protected member of an admin's group is in no member list, filter or change of the IdP's, and holds the group against its delete", async () => {
      const { org, scim } = await tenant("Break glass");
      const breakGlass = await f.user(org, "breakglass@policy.test", { protectedFromScim: true });
      const pushed = (await scim("POST", "/Users", { schemas: [USER], userName: "pushed@policy.test" })).body.id;
      const admins = await f.group(org, "Administrators");
      for (const userId of [breakGlass, pushed]) {
        await server.ok(`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: admins, u: userId });
      }
      // Linked to the IdP (Okta's "link to an existing group"), its members become the IdP's to change — but not the protected one.
      await server.ok(`mutation($id: ID!) { linkGroupToScim(id: $id) { id } }`, { id: admins });
      const membersOverGraph = async () => (await server.ok(`query($id: ID!) { group(id: $id) { members(first: 10) { nodes { ... on User { id } } } } }`, { id: admins }))
        .group.members.nodes.map((m: { id: string }) => m.id).sort();

      expect((await scim("GET", `/Groups/${admins}`)).body.members.map((m: { value: string }) => m.value)).toEqual([pushed]);
      // Read a member a page, the list the IdP sees is the same: pages are filtered after they are read.
      const idp = { kind: "scim_token" as const, id: "token", organizationId: org, canWrite: true };
      const [list] = await memberListsOfGroups(server.built.orm.em.fork(), idp, [admins], { pageSize: 1, firstPagesBudget: 1 });
      const paged = [...list.first];
      if (list.rest) for await (const page of list.rest()) paged.push(...page);
      expect(paged.map((m) => m.id)).toEqual([pushed]);
      for (const filter of [`members.value eq "${breakGlass}"`, `members[value eq "${breakGlass}"]`]) {
        expect((await scim("GET", `/Groups?filter=${q(filter)}`)).body.totalResults).toBe(0);
      }
      expect((await scim("GET", `/Groups?filter=${q(`members.value eq "${pushed}"`)}`)).body.totalResults).toBe(1);

      // Emptying or replacing the list the IdP sees leaves the member it cannot see.
      expect((await scim("PATCH", `/Groups/${admins}`, ops({ op: "replace", path: "members", value: [] }))).status).toBe(204);
      expect(await membersOverGraph()).toEqual([breakGlass]);
      expect((await scim("PATCH", `/Groups/${admins}`, ops({ op: "remove", path: "members" }))).status).toBe(204);
      expect((await scim("PUT", `/Groups/${admins}`, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Administrators" })).status).toBe(200);
      expect(await membersOverGraph()).toEqual([breakGlass]);
      const deleted = await scim("DELETE", `/Groups/${admins}`);
      expect(deleted.status).toBe(403);
      expect(await membersOverGraph()).toEqual([breakGlass]);
    });
  });

  describe("groups an admin created", () => {
    it("are readable over SCIM but the IdP's to change only once an admin links them (Okta's link to an existing group)", async () => {
      const { org, scim } = await tenant("Admin groups");
      const role = await f.role(org, "admin", ["*"]);
      const admins = await f.group(org, "Administrators");
      await f.bind({ roleId: role, groupId: admins, organizationId: org });
      const pushed = (await scim("POST", "/Users", { schemas: [USER], userName: "pushed@groups.test" })).body.id;
      const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

      expect((await scim("GET", `/Groups/${admins}`)).status).toBe(200);
      expect((await scim("GET", `/Groups?filter=${q('displayName eq "administrators"')}`)).body.totalResults).toBe(1);
      // Each refused: a member push (in parallel, as Okta sends them: group-committed), a rename, a replacement, a delete.
      const pushes = await Promise.all([1, 2, 3].map(() => scim("PATCH", `/Groups/${admins}`, ops({ op: "add", path: "members", value: [{ value: pushed }] }))));
      expect(pushes.map((r) => r.status)).toEqual([403, 403, 403]);
      expect(pushes[0].body.detail).toContain("linkGroupToScim");
      expect((await scim("PATCH", `/Groups/${admins}`, ops({ op: "replace", path: "displayName", value: "Mine now" }))).status).toBe(403);
      expect((await scim("PUT", `/Groups/${admins}`, { schemas: [GROUP], displayName: "Administrators", members: [{ value: pushed }] })).status).toBe(403);
      expect((await scim("DELETE", `/Groups/${admins}`)).status).toBe(403);
      expect((await server.ok(CAN, { u: pushed, a: await f.account(org, "prod"), p: "anything" })).can).toBe(false);

      await server.ok(`mutation($id: ID!) { linkGroupToScim(id: $id) { id managedBy } }`, { id: admins });
      expect((await scim("PATCH", `/Groups/${admins}`, ops({ op: "add", path: "members", value: [{ value: pushed }] }))).status).toBe(204);
      const events = await server.ok(`query($o: ID!) { auditEvents(organizationId: $o, first: 50) { nodes { type targetId } } }`, { o: org });
      expect(events.auditEvents.nodes).toContainEqual({ type: "group.link_scim", targetId: admins });
    });
  });

  describe("removing active never grants access", () => {
    it("PATCH remove active on a suspended user leaves it inactive, and on an active user makes it inactive", async () => {
      const { org, scim } = await tenant("Remove active");
      const account = await f.account(org, "prod");
      const role = await f.role(org, "viewer", ["dash.read"]);
      const id = (await scim("POST", "/Users", { schemas: [USER], userName: "suspended@policy.test" })).body.id;
      await f.bind({ roleId: role, userId: id, accountId: account });
      await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "active", value: false }));

      const removed = await scim("PATCH", `/Users/${id}`, ops({ op: "remove", path: "active" }));
      expect(removed.status).toBe(200);
      expect(removed.body.active).toBe(false);
      expect((await server.ok(CAN, { u: id, a: account, p: "dash.read" })).can).toBe(false);

      await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "active", value: true }));
      expect((await server.ok(CAN, { u: id, a: account, p: "dash.read" })).can).toBe(true);
      expect((await scim("PATCH", `/Users/${id}`, ops({ op: "remove", path: "active" }))).body.active).toBe(false);
      expect((await server.ok(CAN, { u: id, a: account, p: "dash.read" })).can).toBe(false);
    });

    it("a PUT without active makes the user inactive; a POST without active creates an active user", async () => {
      const { scim } = await tenant("PUT without active");
      const created = await scim("POST", "/Users", { schemas: [USER], userName: "put@policy.test" });
      expect(created.body.active).toBe(true);
      const replaced = await scim("PUT", `/Users/${created.body.id}`, { schemas: [USER], userName: "put@policy.test", title: "x" });
      expect(replaced.body.active).toBe(false);
    });
  });
});
