import { AuditEvent } from "../../src/store/entities";
import { scimTenantWithGroup, type ScimCall } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const add = (ids: string[]) => ({ op: "add", path: "members", value: ids.map((value) => ({ value })) });
const removeOne = (id: string) => ({ op: "remove", path: `members[value eq "${id}"]` });
const versionOf = (etag: string | null) => Number(/^W\/"(\d+)"$/.exec(etag ?? "")?.[1]);

const SET_LIMIT = `mutation($id: ID!, $rate: Int, $burst: Int) {
  updateOrganization(input: {id: $id, membershipRatePerSecond: $rate, membershipBurst: $burst}) { id }
}`;

/**
 * Member adds and removals arriving together share transactions (domain/commands/membership-batch.ts):
 * one statement per kind of write for many requests, each request still answered for itself.
 * On the real server over HTTP, on SQLite and PostgreSQL.
 */
describe("membership changes, group-committed", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  const memberIdsOf = async (scim: ScimCall, groupId: string) =>
    ((await scim("GET", `/Groups/${groupId}`)).body.members ?? []).map((m: { value: string }) => m.value).sort();

  it("writes concurrent PATCHes of one group in shared transactions, each with its own version (ETag) and audit event", async () => {
    const { scim, userIds, groupId } = await scimTenantWithGroup(server, "batch", 24);
    const before = versionOf((await scim("GET", `/Groups/${groupId}`)).headers.get("etag"));
    let responses: Awaited<ReturnType<ScimCall>>[] = [];
    const statements = await server.captureQueries(async () => {
      responses = await Promise.all(userIds.map((id) => scim("PATCH", `/Groups/${groupId}`, ops(add([id])))));
    });
    expect(responses.map((r) => r.status)).toEqual(userIds.map(() => 204));
    // Each request moved the group one version on: 24 distinct ETags, before+1 … before+24.
    const versions = responses.map((r) => versionOf(r.headers.get("etag"))).sort((a, b) => a - b);
    expect(versions).toEqual(userIds.map((_, i) => before + 1 + i));
    // Fewer membership INSERTs than requests: requests that arrived while one was written shared the next.
    const inserts = statements.filter((sql) => /^insert into "?group_membership"?/.test(sql));
    expect(inserts.length).toBeGreaterThan(0);
    expect(inserts.length).toBeLessThan(userIds.length);
    expect(await memberIdsOf(scim, groupId)).toEqual([...userIds].sort());
    const events = await server.built.orm.em.fork().find(AuditEvent, { targetId: groupId, type: "scim.idp_group.member_add" });
    expect(events.map((e) => (e.data as { userIds: string[] }).userIds)).toEqual(expect.arrayContaining(userIds.map((id) => [id])));
    expect(events).toHaveLength(userIds.length);
    const last = await scim("GET", `/Groups/${groupId}`);
    expect(versionOf(last.headers.get("etag"))).toBe(before + userIds.length);
  });

  it("gives each change of a batch its own outcome: an unknown member and a stale If-Match fail alone, nothing of them written", async () => {
    const { scim, userIds, groupId } = await scimTenantWithGroup(server, "outcomes", 8);
    const stale = (await scim("GET", `/Groups/${groupId}`)).headers.get("etag") as string;
    await scim("PATCH", `/Groups/${groupId}`, ops(add([userIds[7]])));
    const requests = [
      ...userIds.slice(0, 5).map((id) => scim("PATCH", `/Groups/${groupId}`, ops(add([id])))),
      scim("PATCH", `/Groups/${groupId}`, ops(add([userIds[5], "00000000-0000-0000-0000-000000000000"]))),
      scim("PATCH", `/Groups/${groupId}`, ops(add([userIds[6]])), { "if-match": stale }),
      scim("PATCH", `/Groups/${groupId}`, ops(removeOne("not-a-member"))),
      scim("PATCH", `/Groups/${groupId}`, ops(add([userIds[7]]))),
    ];
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 400, 412, 204, 204]);
    expect(responses[5].body).toMatchObject({ status: "400", detail: expect.stringMatching(/no user or group with id 00000000/) });
    expect(await memberIdsOf(scim, groupId)).toEqual([...userIds.slice(0, 5), userIds[7]].sort());
    // Changes that changed nothing (a removal of a non-member, a re-add) leave no audit event.
    const events = await server.built.orm.em.fork().find(AuditEvent, { targetId: groupId, type: { $like: "scim.idp_group.member%" } });
    expect(events).toHaveLength(6);
  });

  it("retries alone each change of a batch whose transaction the database refused: only the refused change fails, nothing of it written", async () => {
    const { scim, userIds, groupId } = await scimTenantWithGroup(server, "refused", 8);
    const before = versionOf((await scim("GET", `/Groups/${groupId}`)).headers.get("etag"));
    // A rule only the database knows: a trigger refuses one member's row, whichever statement inserts it.
    const refused = userIds[6];
    const connection = server.built.orm.em.fork().getConnection();
    const refusal = server.database.config.kind === "sqlite"
      ? [`create trigger refuse_member before insert on group_membership when new.member_user_id = '${refused}' begin select raise(abort, 'refused by the test'); end`]
      : [`create function refuse_member() returns trigger language plpgsql as $$ begin
           if new.member_user_id = '${refused}' then raise exception 'refused by the test'; end if; return new; end $$`,
         `create trigger refuse_member before insert on group_membership for each row execute function refuse_member()`];
    for (const sql of refusal) await connection.execute(sql);
    let responses: Awaited<ReturnType<ScimCall>>[] = [];
    let statements: string[];
    try {
      statements = await server.captureQueries(async () => {
        responses = await Promise.all(userIds.map((id) => scim("PATCH", `/Groups/${groupId}`, ops(add([id])))));
      });
    } finally {
      await connection.execute("drop trigger refuse_member" + (server.database.config.kind === "sqlite" ? "" : " on group_membership"));
    }
    expect(responses.map((r) => r.status)).toEqual(userIds.map((id) => (id === refused ? 500 : 204)));
    expect(responses[6].body).toMatchObject({ status: "500", detail: "internal server error" });
    // The refused change's batch was rolled back and its other changes written again, each alone.
    expect(statements.filter((sql) => /^rollback/.test(sql)).length).toBeGreaterThan(0);
    // Alone, a change reads its group through the ORM (`g0`): the refused one and at least one other ran so.
    expect(statements.filter((sql) => /^select [`"]g0[`"]\.\* from [`"]group[`"]/.test(sql)).length).toBeGreaterThanOrEqual(2);
    const written = userIds.filter((id) => id !== refused);
    expect(await memberIdsOf(scim, groupId)).toEqual([...written].sort());
    const versions = responses.filter((r) => r.status === 204).map((r) => versionOf(r.headers.get("etag"))).sort((a, b) => a - b);
    expect(versions).toEqual(written.map((_, i) => before + 1 + i));
    const events = await server.built.orm.em.fork().find(AuditEvent, { targetId: groupId, type: "scim.idp_group.member_add" });
    expect(events.map((e) => (e.data as { userIds: string[] }).userIds).sort()).toEqual(written.map((id) => [id]).sort());
  });

  it("nests groups in transactions of their own, so two opposite nestings racing with member changes make no cycle", async () => {
    const { scim, userIds, groupId } = await scimTenantWithGroup(server, "nesting", 6);
    const other = (await scim("POST", "/Groups", { displayName: "nesting other" })).body.id as string;
    const responses = await Promise.all([
      ...userIds.slice(0, 3).map((id) => scim("PATCH", `/Groups/${groupId}`, ops(add([id])))),
      scim("PATCH", `/Groups/${groupId}`, ops(add([other]))),
      scim("PATCH", `/Groups/${other}`, ops(add([groupId]))),
      ...userIds.slice(3).map((id) => scim("PATCH", `/Groups/${other}`, ops(add([id])))),
    ]);
    const nestings = [responses[3], responses[4]];
    expect(nestings.map((r) => r.status).sort()).toEqual([204, 400]);
    expect(nestings.find((r) => r.status === 400)?.body.detail).toMatch(/cycle/i);
    expect(responses.filter((_, i) => i !== 3 && i !== 4).map((r) => r.status)).toEqual(userIds.map(() => 204));
    const members = [...(await memberIdsOf(scim, groupId)), ...(await memberIdsOf(scim, other))];
    expect(members.filter((id) => userIds.includes(id)).sort()).toEqual([...userIds].sort());
    expect(members.filter((id) => id === groupId || id === other)).toHaveLength(1);
  });

  it("shares batches between SCIM PATCHes and GraphQL membership mutations", async () => {
    const { scim, userIds, groupId } = await scimTenantWithGroup(server, "surfaces", 6);
    const admin = await scimTenantWithGroup(server, "surfaces-admin", 0);
    const adminGroup = (await server.ok(`mutation($o: ID!) { createGroup(input: {organizationId: $o, displayName: "admins"}) { id } }`, { o: admin.organizationId })).createGroup.id;
    const adminUsers: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      adminUsers.push((await server.ok(`mutation($o: ID!, $u: String!) { createUser(input: {organizationId: $o, userName: $u}) { id } }`, { o: admin.organizationId, u: `a${i}@acme.test` })).createUser.id);
    }
    const graphqlAdds = adminUsers.map((u) => server.gql(`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: adminGroup, u }));
    const scimAdds = userIds.map((id) => scim("PATCH", `/Groups/${groupId}`, ops(add([id]))));
    const [gql, scimResponses] = await Promise.all([Promise.all(graphqlAdds), Promise.all(scimAdds)]);
    expect(gql.map((r) => r.errors)).toEqual(adminUsers.map(() => undefined));
    expect(gql.every((r) => typeof r.data?.addGroupMember.id === "string")).toBe(true);
    expect(scimResponses.map((r) => r.status)).toEqual(userIds.map(() => 204));
    const removed = await server.gql(`mutation($g: ID!, $u: ID!) { removeGroupMember(input: {groupId: $g, userId: $u}) { id version } }`, { g: adminGroup, u: adminUsers[0] });
    expect(removed.data?.removeGroupMember).toEqual({ id: adminGroup, version: expect.any(Number) });
    const listed = await server.ok(`query($g: ID!) { group(id: $g) { memberCount } }`, { g: adminGroup });
    expect(listed.group.memberCount).toBe(3);
    // An admin may not change the members of a group the IdP manages, batched or not.
    const refused = await server.gql(`mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, { g: groupId, u: userIds[0] });
    expect(refused.errors?.[0]).toMatchObject({ message: expect.stringMatching(/owned by the identity provider/), extensions: { code: "BAD_USER_INPUT" } });
  });

  it("takes a batch's membership rate limit together and refuses, alone, the requests past it", async () => {
    const { scim, userIds, groupId, organizationId } = await scimTenantWithGroup(server, "limited", 10);
    // 2 per second, bursts of 6: the allowance of 4 beyond the first second's 2 lasts 2 seconds.
    await server.ok(SET_LIMIT, { id: organizationId, rate: 2, burst: 6 });
    const responses = await Promise.all(userIds.map((id) => scim("PATCH", `/Groups/${groupId}`, ops(add([id])))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(4);
    const admitted = userIds.filter((_, i) => statuses[i] === 204).sort();
    expect(await memberIdsOf(scim, groupId)).toEqual(admitted);
  });
});
