import { seedGroupWithMembers, seedUsers } from "../../bench/seed";
import { permissionCovers } from "../../src/access/resolve";
import { LISTED_HOLDERS } from "../../src/store/sql/access-questions-sql";
import { buildAccessDirectory, checkKey, type AccessDirectory } from "../helpers/access-directory";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

const WHO_CAN = `query($a: ID!, $p: String, $r: ID, $first: Int, $after: String) {
  whoCan(accountId: $a, permission: $p, roleId: $r, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { userId user { id userName } roles { id key permissions grants { kind scope bindingId mappingId idpValue groupIds } } }
  }
}`;

const WHERE_CAN = `query($u: ID!, $p: String!, $first: Int, $after: String) {
  whereCan(userId: $u, permission: $p, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { accountId account { id } roles { id key permissions grants { kind } } permissions }
  }
}`;

const ACCESS_MAP = `query($u: ID!, $first: Int, $after: String) {
  accessMap(userId: $u) {
    userId
    user { id }
    everyAccount { roles { id key } permissions }
    accounts(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { accountId roles { id key grants { kind } } permissions }
    }
  }
}`;

/** Every node of a connection, paging with `first` until the end; checks totalCount on every page. */
async function everyNode<T>(fetchPage: (after: string | null) => Promise<{ totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: T[] }>): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | null = null;
  let total: number | null = null;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await fetchPage(after);
    if (total === null) total = page.totalCount;
    expect(page.totalCount).toBe(total);
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(nodes.length).toBe(total);
  return nodes;
}

describe("whoCan, whereCan and accessMap", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  describe.each([11, 29, 47])("agree with `can` on a generated directory (seed %i)", (seed) => {
    let d: AccessDirectory;
    let can: Map<string, boolean>;

    beforeAll(async () => {
      d = await buildAccessDirectory(server, seed);
      can = await d.allChecks();
    }, 60_000);

    it("whoCan lists exactly the users `can` allows, each with roles carrying the permission", async () => {
      for (const accountId of d.accountIds) {
        for (const permission of d.permissions) {
          const holders = await everyNode(async (after) =>
            (await server.ok(WHO_CAN, { a: accountId, p: permission, first: 5, after })).whoCan);
          const listed = holders.map((h: any) => h.userId);
          const expected = d.userIds.filter((u) => can.get(checkKey(u, accountId, permission))).sort();
          expect({ accountId, permission, listed }).toEqual({ accountId, permission, listed: expected });
          for (const holder of holders as any[]) {
            expect(holder.user.id).toBe(holder.userId);
            expect(holder.roles.length).toBeGreaterThan(0);
            for (const role of holder.roles) {
              expect(role.permissions.some((p: string) => permissionCovers(p, permission))).toBe(true);
              expect(role.grants.length).toBeGreaterThan(0);
            }
          }
        }
      }
    }, 60_000);

    it("whoCan by role lists exactly the users whose effective access on the account has the role", async () => {
      const accountId = d.accountIds[0];
      const aliases = d.userIds.map((u, i) => `u${i}: effectiveAccess(userId: "${u}", accountId: "${accountId}") { roles { id } }`).join("\n");
      const access = await server.ok(`query { ${aliases} }`);
      for (const role of d.roles) {
        const holders = await everyNode(async (after) => (await server.ok(WHO_CAN, { a: accountId, r: role.id, first: 7, after })).whoCan);
        const expected = d.userIds.filter((_, i) => access[`u${i}`].roles.some((r: any) => r.id === role.id)).sort();
        expect({ role: role.key, listed: holders.map((h: any) => h.userId) }).toEqual({ role: role.key, listed: expected });
        for (const holder of holders as any[]) expect(holder.roles.map((r: any) => r.id)).toEqual([role.id]);
      }
    }, 60_000);

    it("whereCan lists exactly the accounts on which `can` allows the user", async () => {
      for (const userId of d.userIds) {
        for (const permission of d.permissions) {
          const accounts = await everyNode(async (after) => (await server.ok(WHERE_CAN, { u: userId, p: permission, first: 2, after })).whereCan);
          const expected = d.accountIds.filter((a) => can.get(checkKey(userId, a, permission))).sort();
          expect({ userId, permission, listed: accounts.map((a: any) => a.accountId) }).toEqual({ userId, permission, listed: expected });
          for (const account of accounts as any[]) {
            expect(account.account.id).toBe(account.accountId);
            expect(account.roles.length).toBeGreaterThan(0);
            for (const role of account.roles) expect(role.permissions.some((p: string) => permissionCovers(p, permission))).toBe(true);
          }
        }
      }
    }, 60_000);

    it("accessMap lists exactly the accounts on which the user has a role, with the roles effectiveAccess gives", async () => {
      for (const userId of d.userIds) {
        const aliases = d.accountIds.map((a, i) => `a${i}: effectiveAccess(userId: "${userId}", accountId: "${a}") { roles { id } permissions }`).join("\n");
        const access = await server.ok(`query { ${aliases} }`);
        const expected = d.accountIds
          .map((accountId, i) => ({ accountId, roles: access[`a${i}`].roles.map((r: any) => r.id), permissions: access[`a${i}`].permissions }))
          .filter((a) => a.roles.length > 0)
          .sort((x, y) => (x.accountId < y.accountId ? -1 : 1));
        const map = (await server.ok(ACCESS_MAP, { u: userId, first: 3 })).accessMap;
        expect(map.userId).toBe(userId);
        const listed = await everyNode(async (after) => (await server.ok(ACCESS_MAP, { u: userId, first: 3, after })).accessMap.accounts);
        expect(listed.map((a: any) => ({ accountId: a.accountId, roles: a.roles.map((r: any) => r.id), permissions: a.permissions })))
          .toEqual(expected);
        if (d.inactiveUserIds.includes(userId)) expect(map.everyAccount.roles).toEqual([]);
      }
    }, 60_000);
  });

  it("matches IdP role values to mappings as `can` does: any case, either Unicode form", async () => {
    const org = await f.organization("who-can-unicode");
    const account = await f.account(org, "prod");
    const editor = await f.role(org, "editor", ["docs.write"]);
    await f.map(org, "Éditeur", editor);
    const composed = await f.user(org, "composed@x.test", { idpRoleValues: ["ÉDITEUR"] });
    const decomposed = await f.user(org, "decomposed@x.test", { idpRoleValues: ["e\u0301diteur "] });
    await f.user(org, "other@x.test", { idpRoleValues: ["editor"] });
    const holders = (await server.ok(WHO_CAN, { a: account, p: "docs.write" })).whoCan;
    expect(holders.nodes.map((h: any) => h.userId)).toEqual([composed, decomposed].sort());
    expect(holders.nodes[0].roles[0].grants[0]).toMatchObject({ kind: "MAPPING", scope: "ORGANIZATION" });
    // A value changed later is matched by its new form.
    await server.ok(`mutation($i: UpdateUserInput!) { updateUser(input: $i) { id } }`, { i: { id: decomposed, idpRoleValues: ["viewer"] } });
    expect((await server.ok(WHO_CAN, { a: account, p: "docs.write" })).whoCan.nodes.map((h: any) => h.userId)).toEqual([composed]);
  });

  it("costs the same statements for a page of holders whether the bound group has 5 members or 300", async () => {
    const org = await f.organization("who-can-flat");
    const account = await f.account(org, "prod");
    const role = await f.role(org, "deployer", ["deploy.run"]);
    const top = await f.group(org, "top");
    const inner = await f.group(org, "inner");
    await f.nest(top, inner);
    await f.bind({ roleId: role, groupId: top, organizationId: org });
    const addUsers = async (count: number) => {
      for (let i = 0; i < count; i += 1) await f.addUser(inner, await f.user(org, `u${Date.now()}-${i}@flat.test`));
    };
    await addUsers(5);
    const ask = () => server.ok(WHO_CAN, { a: account, p: "deploy.run", first: 5 });
    await ask();
    const small = await server.countQueries(ask);
    await addUsers(295);
    const big = await server.countQueries(ask);
    expect(big).toBe(small);
    expect((await ask()).whoCan.totalCount).toBe(300);
  }, 120_000);

  it("reads a page by walking the users when the bound groups hold more members than a list is built for", async () => {
    const org = await f.organization("who-can-walk");
    const account = await f.account(org, "prod");
    const role = await f.role(org, "everyone", ["wiki.read"]);
    // Seeded as the bench seeds (the rows the server writes), past the threshold of the list.
    const tenant = { organizationId: org, accountIds: [account], roleIds: [role], scimToken: "", apiKey: "" };
    const users = await seedUsers(server.built.orm, tenant, 0, LISTED_HOLDERS + 60);
    const everyone = await seedGroupWithMembers(server.built.orm, tenant, "Everyone", users);
    await f.bind({ roleId: role, groupId: everyone, organizationId: org });
    await server.ok(`mutation($i: UpdateUserInput!) { updateUser(input: $i) { id } }`, { i: { id: [...users].sort()[1], active: false } });
    const statements = await server.captureQueries(() => server.ok(WHO_CAN, { a: account, p: "wiki.read", first: 50 }));
    expect(statements.some((sql) => /exists \(select 1 from group_membership m join inside/.test(sql))).toBe(true);
    const page = (await server.ok(WHO_CAN, { a: account, p: "wiki.read", first: 50 })).whoCan;
    const active = [...users].sort().filter((_, i) => i !== 1);
    expect(page.nodes.map((n: any) => n.userId)).toEqual(active.slice(0, 50));
    expect(page.totalCount).toBe(active.length);
    const next = (await server.ok(WHO_CAN, { a: account, p: "wiki.read", first: 50, after: page.pageInfo.endCursor })).whoCan;
    expect(next.nodes.map((n: any) => n.userId)).toEqual(active.slice(50, 100));
  }, 120_000);

  it("asks about exactly one of permission and roleId, and keeps to the key's organization", async () => {
    const org = await f.organization("who-can-rules");
    const account = await f.account(org, "prod");
    const role = await f.role(org, "r", ["x.y"]);
    const user = await f.user(org, "ada@rules.test");
    const both = await server.gql(WHO_CAN, { a: account, p: "x.y", r: role });
    expect(both.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const neither = await server.gql(WHO_CAN, { a: account });
    expect(neither.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");

    const other = await f.organization("who-can-other");
    const otherKey = await server.createKey("READER", other);
    for (const [query, variables] of [[WHO_CAN, { a: account, p: "x.y" }], [WHERE_CAN, { u: user, p: "x.y" }], [ACCESS_MAP, { u: user }]] as const) {
      const refused = await server.gql(query, variables, otherKey);
      expect(refused.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    }
    const otherRole = await f.role(other, "elsewhere", ["x.y"]);
    expect((await server.gql(WHO_CAN, { a: account, r: otherRole })).errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");

    const readerKey = await server.createKey("READER", org);
    await f.bind({ roleId: role, userId: user, accountId: account });
    expect((await server.ok(WHO_CAN, { a: account, p: "x.y" }, readerKey)).whoCan.nodes.map((n: any) => n.userId)).toEqual([user]);
    expect((await server.ok(WHERE_CAN, { u: user, p: "x.y" }, readerKey)).whereCan.nodes.map((n: any) => n.accountId)).toEqual([account]);
  });
});
