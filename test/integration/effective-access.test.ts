import { fixtures, CAN, EFFECTIVE_ACCESS } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

/**
 * The scenario of DESIGN.md "Effective access": Ada is in SRE, SRE sits in Platform, Platform in
 * Engineering. Roles arrive through all four paths, on two accounts.
 */
describe("effective access over GraphQL", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  /** Builds the scenario in a new organization, so each test reads and changes its own. */
  async function scenario(): Promise<Record<string, string>> {
    const ids: Record<string, string> = {};
    ids.org = await f.organization("Acme");
    ids.prod = await f.account(ids.org, "production");
    ids.staging = await f.account(ids.org, "staging");
    ids.viewer = await f.role(ids.org, "viewer", ["dashboard.read"]);
    ids.deployer = await f.role(ids.org, "deployer", ["deploy.run", "dashboard.read"]);
    ids.payments = await f.role(ids.org, "payments-admin", ["payments.*"]);
    ids.auditor = await f.role(ids.org, "auditor", ["audit.read"]);
    ids.member = await f.role(ids.org, "member", ["profile.read"]);
    ids.ada = await f.user(ids.org, "ada@acme.test", { idpRoleValues: ["Finance-Approver"] });
    ids.sre = await f.group(ids.org, "SRE");
    ids.platform = await f.group(ids.org, "Platform");
    ids.engineering = await f.group(ids.org, "Engineering");
    await f.addUser(ids.sre, ids.ada);
    await f.nest(ids.platform, ids.sre);
    await f.nest(ids.engineering, ids.platform);
    // Organization-wide binding on the top group: applies to every account.
    ids.viewerBinding = await f.bind({ roleId: ids.viewer, groupId: ids.engineering, organizationId: ids.org });
    // Account-scoped binding on the middle group: production only.
    ids.deployerBinding = await f.bind({ roleId: ids.deployer, groupId: ids.platform, accountId: ids.prod });
    // Direct binding on Ada, staging only.
    ids.auditorBinding = await f.bind({ roleId: ids.auditor, userId: ids.ada, accountId: ids.staging });
    // IdP role value, matched case-insensitively.
    ids.paymentsMapping = await f.map(ids.org, "finance-approver", ids.payments);
    await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: ids.org, r: ids.member });
    return ids;
  }

  it("unions group, nested-group, direct and mapped roles on production, with provenance", async () => {
    const ids = await scenario();
    const data = await server.ok(EFFECTIVE_ACCESS, { u: ids.ada, a: ids.prod });
    expect(data.effectiveAccess).toEqual({
      roles: [
        { key: "deployer", grants: [{ kind: "GROUP", via: [ids.sre, ids.platform, ids.deployerBinding], scope: "ACCOUNT", bindingId: ids.deployerBinding, mappingId: null, groupIds: [ids.sre, ids.platform] }] },
        { key: "payments-admin", grants: [{ kind: "MAPPING", via: [ids.paymentsMapping, "finance-approver"], scope: "ORGANIZATION", bindingId: null, mappingId: ids.paymentsMapping, groupIds: [] }] },
        { key: "viewer", grants: [{ kind: "GROUP", via: [ids.sre, ids.platform, ids.engineering, ids.viewerBinding], scope: "ORGANIZATION", bindingId: ids.viewerBinding, mappingId: null, groupIds: [ids.sre, ids.platform, ids.engineering] }] },
      ],
      permissions: ["dashboard.read", "deploy.run", "payments.*"],
    });
  });

  it("gives a different union on staging: the direct binding, not the production-only one", async () => {
    const ids = await scenario();
    const data = await server.ok(EFFECTIVE_ACCESS, { u: ids.ada, a: ids.staging });
    expect(data.effectiveAccess.roles.map((r: { key: string }) => r.key)).toEqual(["auditor", "payments-admin", "viewer"]);
    expect(data.effectiveAccess.roles[0].grants).toEqual([
      { kind: "DIRECT", via: [ids.auditorBinding], scope: "ACCOUNT", bindingId: ids.auditorBinding, mappingId: null, groupIds: [] },
    ]);
    expect(data.effectiveAccess.permissions).toEqual(["audit.read", "dashboard.read", "payments.*"]);
  });

  it("names the groups of a chain", async () => {
    const ids = await scenario();
    const data = await server.ok(`query($u: ID!, $a: ID!) { effectiveAccess(userId: $u, accountId: $a) { roles { key grants { groups { displayName } } } } }`, { u: ids.ada, a: ids.prod });
    const viewer = data.effectiveAccess.roles.find((r: { key: string }) => r.key === "viewer");
    expect(viewer.grants[0].groups.map((g: { displayName: string }) => g.displayName)).toEqual(["SRE", "Platform", "Engineering"]);
  });

  it("answers can, including wildcard permissions, per account", async () => {
    const ids = await scenario();
    const ask = async (a: string, p: string) => (await server.ok(CAN, { u: ids.ada, a, p })).can;
    expect(await ask(ids.prod, "deploy.run")).toBe(true);
    expect(await ask(ids.staging, "deploy.run")).toBe(false);
    expect(await ask(ids.staging, "payments.refund")).toBe(true);
    expect(await ask(ids.prod, "audit.read")).toBe(false);
  });

  it("answers a batch of checks in the order asked", async () => {
    const ids = await scenario();
    const checks = [
      { userId: ids.ada, accountId: ids.prod, permission: "deploy.run" },
      { userId: ids.ada, accountId: ids.staging, permission: "deploy.run" },
      { userId: ids.ada, accountId: ids.staging, permission: "audit.read" },
      { userId: ids.ada, accountId: ids.prod, permission: "dashboard.read" },
    ];
    const data = await server.ok(`query($c: [AccessCheckInput!]!) { canBatch(checks: $c) }`, { c: checks });
    expect(data.canBatch).toEqual([true, false, true, true]);
  });

  it("falls back to the default role when no mapping matches", async () => {
    const ids = await scenario();
    const bob = await f.user(ids.org, "bob@acme.test", { idpRoleValues: ["unmapped"] });
    const data = await server.ok(EFFECTIVE_ACCESS, { u: bob, a: ids.prod });
    expect(data.effectiveAccess.roles).toEqual([{ key: "member", grants: [{ kind: "DEFAULT", via: [], scope: null, bindingId: null, mappingId: null, groupIds: [] }] }]);
  });

  it("reflects a membership change on the very next read", async () => {
    const ids = await scenario();
    const carol = await f.user(ids.org, "carol@acme.test", { idpRoleValues: ["finance-approver"] });
    expect((await server.ok(CAN, { u: carol, a: ids.prod, p: "deploy.run" })).can).toBe(false);
    await f.addUser(ids.platform, carol);
    expect((await server.ok(CAN, { u: carol, a: ids.prod, p: "deploy.run" })).can).toBe(true);
    await server.ok(`mutation($g: ID!, $u: ID!) { removeGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: ids.platform, u: carol });
    expect((await server.ok(CAN, { u: carol, a: ids.prod, p: "deploy.run" })).can).toBe(false);
  });

  it("removes all access when a user is deactivated, and restores it on reactivation", async () => {
    const ids = await scenario();
    const dave = await f.user(ids.org, "dave@acme.test", { idpRoleValues: ["finance-approver"] });
    await f.addUser(ids.sre, dave);
    await f.bind({ roleId: ids.auditor, userId: dave, organizationId: ids.org });
    const before = await server.ok(EFFECTIVE_ACCESS, { u: dave, a: ids.prod });
    expect(before.effectiveAccess.roles.length).toBeGreaterThan(2);

    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: false}) { active } }`, { id: dave });
    const after = await server.ok(EFFECTIVE_ACCESS, { u: dave, a: ids.prod });
    expect(after.effectiveAccess).toEqual({ roles: [], permissions: [] });
    expect((await server.ok(CAN, { u: dave, a: ids.prod, p: "dashboard.read" })).can).toBe(false);

    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, active: true}) { active } }`, { id: dave });
    expect((await server.ok(CAN, { u: dave, a: ids.prod, p: "dashboard.read" })).can).toBe(true);
  });

  it("refuses an account of another organization with a clear error", async () => {
    const ids = await scenario();
    const other = await f.organization("Globex");
    const otherAccount = await f.account(other, "prod");
    const result = await server.gql(EFFECTIVE_ACCESS, { u: ids.ada, a: otherAccount });
    expect(result.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("answers NOT_FOUND for an unknown user", async () => {
    const ids = await scenario();
    const result = await server.gql(CAN, { u: "00000000-0000-7000-8000-000000000000", a: ids.prod, p: "x.y" });
    expect(result.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });

  it("lists a user's direct and transitive groups", async () => {
    const ids = await scenario();
    const data = await server.ok(`query($id: ID!) { user(id: $id) { direct: groups { displayName } all: groups(transitive: true) { displayName } } }`, { id: ids.ada });
    expect(data.user.direct.map((g: { displayName: string }) => g.displayName)).toEqual(["SRE"]);
    expect(data.user.all.map((g: { displayName: string }) => g.displayName).sort()).toEqual(["Engineering", "Platform", "SRE"]);
  });
});
