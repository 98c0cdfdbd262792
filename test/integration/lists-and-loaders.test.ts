import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";

const USERS_WITH_ACCESS = `query($o: ID!, $a: ID!, $first: Int!) {
  users(organizationId: $o, first: $first) {
    nodes {
      userName
      organization { name }
      groups { displayName parentGroups { displayName } }
      effectiveAccess(accountId: $a) { roles { key grants { kind } } permissions }
    }
  }
}`;

describe("lists, pagination and batched loading", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  /**
   * A new organization of 24 users spread over four teams nested in "Everyone", which holds an
   * organization-wide role: each test lists its own.
   */
  async function directory(): Promise<{ org: string; account: string }> {
    const org = await f.organization("Acme");
    const account = await f.account(org, "prod");
    const top = await f.group(org, "Everyone");
    const role = await f.role(org, "viewer", ["dashboard.read"]);
    await f.bind({ roleId: role, groupId: top, organizationId: org });
    const groups: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const g = await f.group(org, `Team ${i}`);
      await f.nest(top, g);
      groups.push(g);
    }
    for (let i = 0; i < 24; i += 1) {
      const user = await f.user(org, `user${String(i).padStart(2, "0")}@acme.test`);
      await f.addUser(groups[i % 4], user);
    }
    return { org, account };
  }

  it("issues the same number of SQL statements for a page of 3 users as for a page of 24 (no N+1)", async () => {
    const { org, account } = await directory();
    let small: any;
    let large: any;
    const smallCount = await server.countQueries(async () => { small = await server.ok(USERS_WITH_ACCESS, { o: org, a: account, first: 3 }); });
    const largeCount = await server.countQueries(async () => { large = await server.ok(USERS_WITH_ACCESS, { o: org, a: account, first: 24 }); });
    expect(small.users.nodes).toHaveLength(3);
    expect(large.users.nodes).toHaveLength(24);
    expect(large.users.nodes[23].effectiveAccess.roles).toEqual([{ key: "viewer", grants: [{ kind: "GROUP" }] }]);
    expect(large.users.nodes[23].groups[0].parentGroups).toEqual([{ displayName: "Everyone" }]);
    expect(smallCount).toBeGreaterThan(5);
    expect(largeCount).toBe(smallCount);
  });

  it("pages through users with cursors, in creation order, counting the whole list", async () => {
    const { org } = await directory();
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: any = await server.ok(`query($o: ID!, $after: String) { users(organizationId: $o, first: 10, after: $after) { totalCount nodes { userName } pageInfo { hasNextPage endCursor } } }`, { o: org, after });
      expect(data.users.totalCount).toBe(24);
      seen.push(...data.users.nodes.map((n: { userName: string }) => n.userName));
      if (!data.users.pageInfo.hasNextPage) break;
      after = data.users.pageInfo.endCursor;
    }
    expect(seen).toEqual(Array.from({ length: 24 }, (_, i) => `user${String(i).padStart(2, "0")}@acme.test`));
  });

  it("pages through a group's members, users and nested groups alike", async () => {
    const { org } = await directory();
    const everyone = await server.ok(`query($o: ID!) { groups(organizationId: $o, filter: {displayName: "everyone"}) { nodes { id memberCount } } }`, { o: org });
    expect(everyone.groups.nodes[0].memberCount).toBe(4);
    const page1 = await server.ok(`query($o: ID!) { groups(organizationId: $o, filter: {displayName: "TEAM 0"}) { nodes { members(first: 4) { nodes { __typename ... on User { userName } } pageInfo { hasNextPage endCursor } } } } }`, { o: org });
    const members = page1.groups.nodes[0].members;
    expect(members.nodes.map((m: { userName: string }) => m.userName)).toEqual(["user00@acme.test", "user04@acme.test", "user08@acme.test", "user12@acme.test"]);
    expect(members.pageInfo.hasNextPage).toBe(true);
    const top = await server.ok(`query($o: ID!) { groups(organizationId: $o, filter: {displayName: "Everyone"}) { nodes { members { nodes { __typename ... on Group { displayName } } } } } }`, { o: org });
    expect(top.groups.nodes[0].members.nodes.map((m: { displayName: string }) => m.displayName)).toEqual(["Team 0", "Team 1", "Team 2", "Team 3"]);
  });

  it("looks users up by userName case-insensitively", async () => {
    const org = await f.organization("Acme");
    await f.user(org, "user05@acme.test");
    const data = await server.ok(`query($o: ID!) { userByUserName(organizationId: $o, userName: "USER05@ACME.TEST") { userName } }`, { o: org });
    expect(data.userByUserName).toEqual({ userName: "user05@acme.test" });
  });

  it("answers BAD_USER_INPUT for a forged cursor or an oversized page", async () => {
    const org = await f.organization("Acme");
    const forged = await server.gql(`query($o: ID!) { users(organizationId: $o, after: "bm9wZQ") { nodes { id } } }`, { o: org });
    expect(forged.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    // A cursor decoding to NUL, a lone surrogate or bytes that are not UTF-8 (no id holds them; a
    // NUL reached SQLite's SQL text), or one too long to be ours and not echoed back whole.
    const cursor = (text: string | Buffer) => Buffer.from(text).toString("base64url");
    const longCursor = cursor(`id:${"x".repeat(10_000)}`);
    for (const after of [cursor("id:\u0000"), cursor("id:a\uD800"), cursor(Buffer.from([0x69, 0x64, 0x3a, 0xff])), longCursor]) {
      for (const list of ["users", "groups", "roles", "auditEvents"]) {
        const answer = await server.gql(`query($o: ID!, $after: String) { ${list}(organizationId: $o, after: $after) { nodes { id } } }`, { o: org, after });
        expect([list, answer.errors?.[0].extensions?.code]).toEqual([list, "BAD_USER_INPUT"]);
        expect(answer.errors?.[0].message.length).toBeLessThan(200);
      }
    }
    const huge = await server.gql(`query($o: ID!) { users(organizationId: $o, first: 5000) { nodes { id } } }`, { o: org });
    expect(huge.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});
