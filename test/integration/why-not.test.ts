import { buildAccessDirectory, checkKey, type AccessDirectory } from "../helpers/access-directory";
import { CAN, fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

const WHY_NOT_FIELDS = `
  allowed userActive summary
  grantedBy { id key grants { kind bindingId mappingId groupIds } }
  rolesWithPermission { id key }
  options { kind roleId groupId bindingId mappingIds accountId idpValue needsReactivation description }`;

const WHY_NOT = `query($u: ID!, $a: ID!, $p: String!) { whyNot(userId: $u, accountId: $a, permission: $p) { ${WHY_NOT_FIELDS} } }`;

interface WhyNotOption {
  kind: string;
  roleId: string;
  groupId: string | null;
  bindingId: string | null;
  mappingIds: string[];
  accountId: string | null;
  idpValue: string | null;
  needsReactivation: boolean;
  description: string;
}

interface WhyNot {
  allowed: boolean;
  userActive: boolean;
  summary: string;
  grantedBy: Array<{ id: string; key: string; grants: Array<{ kind: string; bindingId: string | null; mappingId: string | null; groupIds: string[] }> }>;
  rolesWithPermission: Array<{ id: string; key: string }>;
  options: WhyNotOption[];
}

/** An option as the test writes it: the ids, every other one null (or none), and no need to reactivate. */
function option(o: Partial<WhyNotOption> & Pick<WhyNotOption, "kind" | "roleId">) {
  return { groupId: null, bindingId: null, mappingIds: [], accountId: null, idpValue: null, needsReactivation: false, description: expect.any(String), ...o };
}

/**
 * whyNot answers a denied `can` with the ways that would grant it. Each scenario is a small
 * organization of its own (Acme): the answer must name exactly the way the scenario holds, and
 * doing what it says must make `can` true.
 */
describe("whyNot", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  const whyNot = async (u: string, a: string, p: string): Promise<WhyNot> => (await server.ok<{ whyNot: WhyNot }>(WHY_NOT, { u, a, p })).whyNot;
  const can = async (u: string, a: string, p: string): Promise<boolean> => (await server.ok<{ can: boolean }>(CAN, { u, a, p })).can;
  const updateUser = (input: Record<string, unknown>) => server.ok(`mutation($input: UpdateUserInput!) { updateUser(input: $input) { id } }`, { input });

  /** Acme with production and staging, a deployer role (`deploy.*`) and a viewer role, and Ada. */
  async function acme(userExtra: Record<string, unknown> = {}) {
    const org = await f.organization(`Acme ${Date.now()} ${Math.random()}`);
    const prod = await f.account(org, "production");
    const staging = await f.account(org, "staging");
    const deployer = await f.role(org, "deployer", ["deploy.*"]);
    const viewer = await f.role(org, "viewer", ["dashboard.read"]);
    const ada = await f.user(org, "ada@acme.test", userExtra);
    return { org, prod, staging, deployer, viewer, ada };
  }

  it("JOIN_GROUP: names the bound group the user is not in, and joining a group nested in it grants the permission", async () => {
    const { org, prod, staging, deployer, viewer, ada } = await acme();
    const engineering = await f.group(org, "Engineering");
    const platform = await f.group(org, "Platform");
    const sre = await f.group(org, "SRE");
    await f.nest(engineering, platform);
    const binding = await f.bind({ roleId: deployer, groupId: engineering, organizationId: org });
    await f.bind({ roleId: deployer, groupId: sre, accountId: staging }); // another account: not a way to production
    await f.bind({ roleId: viewer, groupId: platform, organizationId: org }); // carries nothing asked

    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer).toMatchObject({ allowed: false, userActive: true, rolesWithPermission: [{ id: deployer, key: "deployer" }], grantedBy: [] });
    expect(answer.options).toEqual([
      option({ kind: "JOIN_GROUP", roleId: deployer, groupId: engineering, bindingId: binding }),
      option({ kind: "BIND_USER", roleId: deployer, accountId: prod }),
    ]);
    expect(answer.options[0].description).toContain(`group "Engineering"`);

    await f.addUser(platform, ada);
    expect(await can(ada, prod, "deploy.run")).toBe(true);
    const after = await whyNot(ada, prod, "deploy.run");
    expect(after).toMatchObject({ allowed: true, options: [] });
    expect(after.grantedBy).toEqual([{ id: deployer, key: "deployer", grants: [{ kind: "GROUP", bindingId: binding, mappingId: null, groupIds: [platform, engineering] }] }]);
  });

  it("BOUND_ON_OTHER_ACCOUNT: says which account the user's own and its group's bindings grant the role on", async () => {
    const { org, prod, staging, deployer, ada } = await acme();
    const sre = await f.group(org, "SRE");
    const platform = await f.group(org, "Platform");
    await f.nest(platform, sre);
    await f.addUser(sre, ada);
    const direct = await f.bind({ roleId: deployer, userId: ada, accountId: staging });
    const runner = await f.role(org, "runner", ["deploy.run"]);
    const viaGroup = await f.bind({ roleId: runner, groupId: platform, accountId: staging });

    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer.allowed).toBe(false);
    expect(answer.options.filter((o) => o.kind === "BOUND_ON_OTHER_ACCOUNT")).toEqual([
      option({ kind: "BOUND_ON_OTHER_ACCOUNT", roleId: deployer, bindingId: direct, accountId: staging }),
      option({ kind: "BOUND_ON_OTHER_ACCOUNT", roleId: runner, groupId: platform, bindingId: viaGroup, accountId: staging }),
    ].sort((a, b) => (a.roleId < b.roleId ? -1 : 1)));
    expect(answer.options.find((o) => o.bindingId === direct)?.description).toContain(`on account "staging"`);

    // True as said: the user can on staging; bound for the whole organization instead, it can here.
    expect(await can(ada, staging, "deploy.run")).toBe(true);
    await f.bind({ roleId: runner, groupId: platform, organizationId: org });
    expect(await can(ada, prod, "deploy.run")).toBe(true);
  });

  it("BIND_USER: the generic fix, once per role carrying the permission, and binding it grants", async () => {
    const { org, prod, deployer, ada } = await acme();
    const owner = await f.role(org, "owner", ["*"]);
    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer.rolesWithPermission.map((r) => r.key)).toEqual(["deployer", "owner"]);
    expect(answer.options).toEqual([
      option({ kind: "BIND_USER", roleId: deployer, accountId: prod }),
      option({ kind: "BIND_USER", roleId: owner, accountId: prod }),
    ].sort((a, b) => (a.roleId < b.roleId ? -1 : 1)));
    expect(answer.summary).toContain("no role the user holds");

    await f.bind({ roleId: deployer, userId: ada, accountId: prod });
    expect(await can(ada, prod, "deploy.run")).toBe(true);
  });

  it("IDP_ROLE_VALUE: names the value a mapping in scope expects, and the IdP sending it (in any case) grants", async () => {
    const { org, prod, staging, deployer, ada } = await acme({ idpRoleValues: ["engineer"] });
    const mapping = await f.map(org, "Release-Manager", deployer);
    await f.map(org, "Staging-Deployer", deployer, staging); // another account: not a way to production

    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer.options).toEqual([
      option({ kind: "IDP_ROLE_VALUE", roleId: deployer, mappingIds: [mapping], idpValue: "Release-Manager" }),
      option({ kind: "BIND_USER", roleId: deployer, accountId: prod }),
    ]);

    await updateUser({ id: ada, idpRoleValues: ["engineer", "RELEASE-manager"] });
    expect(await can(ada, prod, "deploy.run")).toBe(true);
  });

  it("DEFAULT_ROLE_SUPPRESSED: names the mapping keeping the default role off; removing it, or the user's value, grants", async () => {
    const { org, prod, viewer, deployer, ada } = await acme({ idpRoleValues: ["Viewer"] });
    const member = await f.role(org, "member", ["deploy.run"]);
    await server.ok(`mutation($o: ID!, $r: ID!) { updateOrganization(input: {id: $o, defaultRoleId: $r}) { id } }`, { o: org, r: member });
    const mapping = await f.map(org, "viewer", viewer);
    const bob = await f.user(org, "bob@acme.test", { idpRoleValues: ["VIEWER"] });

    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer.options).toEqual([
      option({ kind: "DEFAULT_ROLE_SUPPRESSED", roleId: member, mappingIds: [mapping] }),
      ...[deployer, member].sort().map((roleId) => option({ kind: "BIND_USER", roleId, accountId: prod })),
    ]);
    expect(answer.options[0].description).toContain(`mapping ${mapping} ("viewer")`);

    // Removing the user's matching value…
    await updateUser({ id: ada, idpRoleValues: [] });
    expect(await can(ada, prod, "deploy.run")).toBe(true);
    // …or the mapping (for Bob, who still has the value).
    expect(await can(bob, prod, "deploy.run")).toBe(false);
    await server.ok(`mutation($id: ID!) { deleteRoleMapping(id: $id) { id } }`, { id: mapping });
    expect(await can(bob, prod, "deploy.run")).toBe(true);
  });

  it("INACTIVE: says so first, and reactivating grants the roles listed", async () => {
    const { org, prod, deployer, ada } = await acme({ active: false });
    await f.bind({ roleId: deployer, userId: ada, accountId: prod });
    await f.group(org, "Engineering").then((g) => f.bind({ roleId: deployer, groupId: g, organizationId: org }));

    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer).toMatchObject({ allowed: false, userActive: false, grantedBy: [] });
    expect(answer.options).toEqual([option({ kind: "INACTIVE", roleId: deployer })]);
    expect(answer.summary).toMatch(/^Denied because the user is inactive/);

    await updateUser({ id: ada, active: true });
    expect(await can(ada, prod, "deploy.run")).toBe(true);
  });

  it("marks the ways that need reactivation too, when reactivating alone would not grant it", async () => {
    const { prod, deployer, ada } = await acme({ active: false });
    const answer = await whyNot(ada, prod, "deploy.run");
    expect(answer.options).toEqual([option({ kind: "BIND_USER", roleId: deployer, accountId: prod, needsReactivation: true })]);
    await f.bind({ roleId: deployer, userId: ada, accountId: prod });
    await updateUser({ id: ada, active: true });
    expect(await can(ada, prod, "deploy.run")).toBe(true);
  });

  it("says no role carries a permission nobody has", async () => {
    const { prod, ada } = await acme();
    const answer = await whyNot(ada, prod, "nobody.has-this");
    expect(answer).toMatchObject({ allowed: false, rolesWithPermission: [], options: [] });
    expect(answer.summary).toContain("no role of the organization carries nobody.has-this");
  });

  it("answers with effectiveAccess's errors: unknown ids NOT_FOUND, an account of another organization BAD_USER_INPUT", async () => {
    const acmeIds = await acme();
    const other = await acme();
    const code = async (u: string, a: string, key?: string) =>
      (await server.gql(WHY_NOT, { u, a, p: "deploy.run" }, key)).errors?.[0]?.extensions?.code;
    expect(await code("00000000-0000-7000-8000-000000000000", acmeIds.prod)).toBe("NOT_FOUND");
    expect(await code(acmeIds.ada, "00000000-0000-7000-8000-000000000000")).toBe("NOT_FOUND");
    expect(await code(acmeIds.ada, other.prod)).toBe("BAD_USER_INPUT");
    // An organization-scoped key never sees another organization's user or account.
    const acmeReader = await server.createKey("READER", acmeIds.org);
    expect(await code(other.ada, other.prod, acmeReader)).toBe("NOT_FOUND");
    expect(await code(other.ada, acmeIds.prod, acmeReader)).toBe("NOT_FOUND");
    expect(await code(acmeIds.ada, other.prod, acmeReader)).toBe("NOT_FOUND");
    expect((await server.gql(WHY_NOT, { u: acmeIds.ada, a: acmeIds.prod, p: "deploy.run" }, acmeReader)).data?.whyNot.allowed).toBe(false);
  });

  describe("on a generated directory", () => {
    let directory: AccessDirectory;
    let checks: Map<string, boolean>;

    beforeAll(async () => {
      directory = await buildAccessDirectory(server, 7301);
      checks = await directory.allChecks();
    });

    /** Many whyNot questions in one request, as aliases. */
    async function askAll(triples: Array<[string, string, string]>): Promise<WhyNot[]> {
      const answers: WhyNot[] = [];
      for (let i = 0; i < triples.length; i += 25) {
        const chunk = triples.slice(i, i + 25);
        const fields = chunk.map(([u, a, p], j) => `q${j}: whyNot(userId: ${JSON.stringify(u)}, accountId: ${JSON.stringify(a)}, permission: ${JSON.stringify(p)}) { ${WHY_NOT_FIELDS} }`);
        const data = await server.ok<Record<string, WhyNot>>(`{ ${fields.join("\n")} }`);
        chunk.forEach((_, j) => answers.push(data[`q${j}`]));
      }
      return answers;
    }

    it("agrees with can on every (user, account, permission), and offers a way whenever a role carries the permission", async () => {
      const triples = [...checks.keys()].map((key) => key.split("|") as [string, string, string]);
      const answers = await askAll(triples);
      const own = {
        roles: new Set(directory.roles.map((r) => r.id)),
        groups: new Set(directory.groupIds),
        accounts: new Set(directory.accountIds),
      };
      const problems: string[] = [];
      triples.forEach(([userId, accountId, permission], i) => {
        const answer = answers[i];
        const at = `seed ${directory.seed} ${checkKey(userId, accountId, permission)}`;
        if (answer.allowed !== checks.get(checkKey(userId, accountId, permission))) problems.push(`${at}: whyNot.allowed ${answer.allowed}, can ${!answer.allowed}`);
        if (answer.userActive === directory.inactiveUserIds.includes(userId)) problems.push(`${at}: userActive ${answer.userActive}`);
        if (answer.allowed && (answer.grantedBy.length === 0 || answer.options.length > 0)) problems.push(`${at}: allowed, but grantedBy ${answer.grantedBy.length}, options ${answer.options.length}`);
        if (!answer.allowed && answer.rolesWithPermission.length > 0 && answer.options.length === 0) problems.push(`${at}: denied with roles carrying it, but no option`);
        for (const o of answer.options) {
          const foreign = [o.roleId].filter((id) => !own.roles.has(id))
            .concat([o.groupId].filter((id): id is string => id !== null && !own.groups.has(id)))
            .concat([o.accountId].filter((id): id is string => id !== null && !own.accounts.has(id)));
          if (foreign.length > 0) problems.push(`${at}: option ${o.kind} names ids outside the organization: ${foreign.join(", ")}`);
          if (o.kind === "INACTIVE" && answer.userActive) problems.push(`${at}: INACTIVE for an active user`);
        }
      });
      expect(problems).toEqual([]);
      // The directory exercises more than the generic fix.
      const kinds = new Set(answers.flatMap((a) => a.options.map((o) => o.kind)));
      expect([...kinds].sort()).toEqual(expect.arrayContaining(["BIND_USER", "INACTIVE", "JOIN_GROUP"]));
    });

    it("costs the same number of statements in a directory four times larger", async () => {
      const larger = await buildAccessDirectory(server, 7302, { accounts: 8, groups: 40, users: 96 });
      const statementsOf = async (d: AccessDirectory) => {
        const userId = d.userIds.find((u) => !d.inactiveUserIds.includes(u)) as string;
        const answer = (await askAll([[userId, d.accountIds[0], "deploy.canary"]]))[0];
        expect(answer.rolesWithPermission.length).toBeGreaterThan(0); // the owner role (`*`) at least: every statement runs
        return server.countQueries(() => askAll([[userId, d.accountIds[0], "deploy.canary"]]));
      };
      const small = await statementsOf(directory);
      const large = await statementsOf(larger);
      expect(large).toBe(small);
      // The credential, the user's access facts, the organization's roles, where the carrying roles reach.
      expect(small).toBeLessThanOrEqual(4);
    });
  });
});
