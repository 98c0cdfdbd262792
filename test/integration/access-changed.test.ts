import { fixtures } from "../helpers/graph-fixtures";
import { scimClient, issueScimToken } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * `access.changed`: one event per user whose effective roles changed, with the roles gained and
 * lost per account, written by the command that changed them. Read back through the feed.
 */
describe("access.changed events", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  interface AccessEvent { targetId: string; data: { userId: string; accounts: Array<{ accountId: string | null; gained: Array<{ key: string }>; lost: Array<{ key: string }> }>; cause: { type: string } } }

  /** The access.changed events of an organization since a cursor, and the cursor after them. */
  async function accessEvents(organizationId: string, after: string | null): Promise<{ events: AccessEvent[]; cursor: string | null }> {
    const events: AccessEvent[] = [];
    let cursor = after;
    for (;;) {
      const { events: page } = await server.ok(`query($o: ID!, $a: String) {
        events(organizationId: $o, after: $a, types: ["access.changed"], first: 1000) { edges { cursor node { targetId data } } pageInfo { hasNextPage endCursor } }
      }`, { o: organizationId, a: cursor });
      events.push(...page.edges.map((e: { node: AccessEvent }) => e.node));
      cursor = page.pageInfo.endCursor ?? cursor;
      if (!page.pageInfo.hasNextPage) return { events, cursor };
    }
  }

  /** A feed reader: each call returns the events since the previous one. */
  function reader(organizationId: string) {
    let cursor: string | null = null;
    return async () => {
      const read = await accessEvents(organizationId, cursor);
      cursor = read.cursor;
      return read.events;
    };
  }

  const summary = (events: AccessEvent[]) => Object.fromEntries(events.map((e) => [e.targetId, e.data.accounts.map((a) => ({
    account: a.accountId, gained: a.gained.map((r) => r.key), lost: a.lost.map((r) => r.key),
  }))]));

  it("emits exactly one event per member of a bound group (nested members too), and none for an unrelated change", async () => {
    const f = fixtures(server);
    const org = await f.organization("Bound");
    const prod = await f.account(org, "prod");
    const deployer = await f.role(org, "deployer", ["deploy.run"]);
    const [ada, bob, cy, outsider] = [await f.user(org, "ada@b.test"), await f.user(org, "bob@b.test"), await f.user(org, "cy@b.test"), await f.user(org, "out@b.test")];
    const eng = await f.group(org, "Engineering");
    const sre = await f.group(org, "SRE");
    await f.addUser(eng, ada);
    await f.addUser(sre, bob);
    await f.nest(eng, sre);
    await f.addUser(sre, cy);
    const next = reader(org);
    expect(await next()).toEqual([]); // memberships of unbound groups change no one's access

    await f.bind({ roleId: deployer, groupId: eng, accountId: prod });
    const events = await next();
    expect(summary(events)).toEqual({
      [ada]: [{ account: prod, gained: ["deployer"], lost: [] }],
      [bob]: [{ account: prod, gained: ["deployer"], lost: [] }],
      [cy]: [{ account: prod, gained: ["deployer"], lost: [] }],
    });
    expect(events.every((e) => e.data.cause.type === "role_binding.create" && e.data.userId === e.targetId)).toBe(true);
    expect(events.map((e) => e.targetId)).not.toContain(outsider);

    // Unrelated: a rename, a new group, a role's description.
    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, displayName: "Ada"}) { id } }`, { id: ada });
    await f.group(org, "Marketing");
    expect(await next()).toEqual([]);

    // A second path to a role already held changes nothing; removing one path keeps the role.
    const direct = await f.bind({ roleId: deployer, userId: ada, accountId: prod });
    expect(await next()).toEqual([]);
    await server.ok(`mutation($id: ID!) { unbindRole(id: $id) { id } }`, { id: direct });
    expect(await next()).toEqual([]);
  });

  it("follows memberships (GraphQL and a SCIM PATCH batch), deactivation and deletion, with what was lost", async () => {
    const f = fixtures(server);
    const org = await f.organization("Members");
    const viewer = await f.role(org, "viewer", ["docs.read"]);
    const group = await f.group(org, "Readers");
    await f.bind({ roleId: viewer, groupId: group, organizationId: org });
    const [ann, ben] = [await f.user(org, "ann@m.test"), await f.user(org, "ben@m.test")];
    const next = reader(org);
    await next();

    await f.addUser(group, ann);
    expect(summary(await next())).toEqual({ [ann]: [{ account: null, gained: ["viewer"], lost: [] }] });

    const scim = scimClient(server, await issueScimToken(server, org));
    // An admin's group: the IdP changes it once it is linked to the IdP.
    await server.ok(`mutation($id: ID!) { linkGroupToScim(id: $id) { id } }`, { id: group });
    const patch = await scim("PATCH", `/Groups/${group}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "add", path: "members", value: [{ value: ben }] }, { op: "remove", path: `members[value eq "${ann}"]` }],
    });
    expect(patch.status).toBeLessThan(300);
    const patched = await next();
    expect(summary(patched)).toEqual({ [ann]: [{ account: null, gained: [], lost: ["viewer"] }], [ben]: [{ account: null, gained: ["viewer"], lost: [] }] });
    expect(new Set(patched.map((e) => e.data.cause.type))).toEqual(new Set([expect.stringMatching(/^scim\.idp_group\.member_(add|delete)$/)]));

    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: false}) { id } }`, { id: ben });
    expect(summary(await next())).toEqual({ [ben]: [{ account: null, gained: [], lost: ["viewer"] }] });
    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: true}) { id } }`, { id: ben });
    expect(summary(await next())).toEqual({ [ben]: [{ account: null, gained: ["viewer"], lost: [] }] });
    await server.ok(`mutation($id: ID!) { deleteUser(id: $id) { id } }`, { id: ben });
    expect(summary(await next())).toEqual({ [ben]: [{ account: null, gained: [], lost: ["viewer"] }] });
  });

  it("stays true under concurrent changes: each user's events, replayed in feed order, end where its access ends", async () => {
    // Concurrent transactions must not both read the same "before" (PostgreSQL runs them side by
    // side): a user joining a bound group while being deactivated, and leaving one while another
    // grant goes, must end on the access the user is left with, never on a gain it no longer has.
    const f = fixtures(server);
    const org = await f.organization("Races");
    const viewer = await f.role(org, "viewer", ["docs.read"]);
    const group = await f.group(org, "Readers");
    await f.bind({ roleId: viewer, groupId: group, organizationId: org });
    const next = reader(org);
    await next();
    const deactivate = (userId: string) => server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: false}) { id } }`, { id: userId });
    const users: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const user = await f.user(org, `race${i}@r.test`);
      users.push(user);
      await Promise.all([f.addUser(group, user), deactivate(user)]);
    }
    const events = await next();
    for (const user of users) {
      let held = false;
      for (const event of events.filter((e) => e.targetId === user)) {
        const [change] = event.data.accounts;
        // Never a gain of what is held, nor a loss of what is not.
        expect({ user, held, gained: change.gained.length > 0 }).toEqual({ user, held, gained: !held });
        held = change.gained.length > 0;
      }
      expect({ user, held }).toEqual({ user, held: false });
    }
  });

  it("follows mappings and the default role, per account, for new users too", async () => {
    const f = fixtures(server);
    const org = await f.organization("Mapped");
    const [prod, staging] = [await f.account(org, "prod"), await f.account(org, "staging")];
    const [member, admin] = [await f.role(org, "member", ["app.use"]), await f.role(org, "admin", ["app.*"])];
    const plain = await f.user(org, "plain@m.test");
    // IdP role values arrive over SCIM.
    const scim = scimClient(server, await issueScimToken(server, org));
    const scimUser = async (userName: string, value: string) =>
      (await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, roles: [{ value }] })).body.id as string;
    const tagged = await scimUser("tagged@m.test", "Admins");
    const next = reader(org);
    expect(await next()).toEqual([]); // no default role, no mapping: nobody has anything

    await server.ok(`mutation($o: ID!, $r: ID) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: org, r: member });
    expect(summary(await next())).toEqual({
      [plain]: [{ account: null, gained: ["member"], lost: [] }],
      [tagged]: [{ account: null, gained: ["member"], lost: [] }],
    });

    // A mapping scoped to prod: there the tagged user is mapped (no default role), elsewhere not.
    await f.map(org, "admins", admin, prod);
    expect(summary(await next())).toEqual({ [tagged]: [{ account: prod, gained: ["admin"], lost: ["member"] }] });

    const newcomer = await scimUser("new@m.test", "ADMINS");
    const created = await next();
    expect(summary(created)).toEqual({ [newcomer]: [{ account: null, gained: ["member"], lost: [] }, { account: prod, gained: ["admin"], lost: [] }] });
    expect(created[0].data.cause.type).toBe("scim.member.create");

    // A deleted account holds nothing: every role there is lost, the organization-wide default
    // role too, and nothing is gained (it no longer falls under "every other account").
    await server.ok(`mutation($id: ID!) { deleteAccount(id: $id) { id } }`, { id: prod });
    expect(summary(await next())).toEqual({
      [plain]: [{ account: prod, gained: [], lost: ["member"] }],
      [tagged]: [{ account: prod, gained: [], lost: ["admin"] }],
      [newcomer]: [{ account: prod, gained: [], lost: ["admin"] }],
    });
    expect(staging).toBeDefined();
  });

  it("reads access in a bounded number of statements, whatever the group's size", async () => {
    const f = fixtures(server);
    const statementsToBind = async (members: number) => {
      const org = await f.organization(`Size ${members}`);
      const role = await f.role(org, "r", ["x.y"]);
      const group = await f.group(org, "G");
      await server.ok(`mutation($id: ID!) { linkGroupToScim(id: $id) { id } }`, { id: group });
      const scim = scimClient(server, await issueScimToken(server, org));
      const ids: string[] = [];
      for (let i = 0; i < members; i += 1) ids.push(await f.user(org, `m${i}@size.test`));
      for (let i = 0; i < ids.length; i += 100) {
        await scim("PATCH", `/Groups/${group}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: ids.slice(i, i + 100).map((value) => ({ value })) }] });
      }
      const statements = await server.captureQueries(() => f.bind({ roleId: role, groupId: group, organizationId: org }));
      expect((await accessEvents(org, null)).events).toHaveLength(members);
      return statements.filter((sql) => /from role_binding|group_membership/.test(sql)).length;
    };
    expect(await statementsToBind(250)).toBe(await statementsToBind(5));
  });
});
