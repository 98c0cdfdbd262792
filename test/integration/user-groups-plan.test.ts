import { testDatabaseKind } from "../helpers/database";
import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const GROUPS = 10_000;

/**
 * GET /Users/{id} and lookups select a user's groups with the user row (store/sql/sql-store.ts
 * groupsOfUserColumn). PostgreSQL estimates the group walk at 200 rows whatever it holds, and
 * joined to "group" that estimate made it hash every group of the directory for each user: a
 * lookup cost 2.6 ms at 10,000 groups. Each group's name is a primary-key probe instead.
 */
(testDatabaseKind() === "postgres" ? describe : describe.skip)("a user's groups, read with the user (PostgreSQL plan)", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("probes each of the user's groups by primary key instead of scanning every group", async () => {
    const { organizationId, scim } = await scimTenant(server, "Many groups");
    const userId = (await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "ada@many.test" })).body.id as string;
    const connection = server.built.orm.em.fork().getConnection();
    await connection.execute(
      `insert into "group" (id, organization_id, display_name, display_name_key, managed_by, version, created_at, updated_at)
       select 'g' || i, ?, 'Group ' || i, 'group ' || i, 'ADMIN', 1, now(), now() from generate_series(1, ${GROUPS}) i`, [organizationId]);
    await connection.execute(
      `insert into group_membership (id, group_id, member_user_id, created_at) select 'm' || i, 'g' || i, ?, now() from generate_series(1, 3) i`, [userId]);
    await connection.execute(`insert into group_membership (id, group_id, member_group_id, created_at) values ('n1', 'g4', 'g1', now())`);
    // Nesting across the directory, as Okta's pushed hierarchies have it: what the planner's walk estimate grows with.
    await connection.execute(
      `insert into group_membership (id, group_id, member_group_id, created_at) select 'n' || i, 'g' || (i / 10), 'g' || i, now() from generate_series(10, ${GROUPS}) i`);
    await connection.execute(`analyze`);

    let groups: Array<{ value: string; type: string }> = [];
    const statements = await server.captureQueries(async () => {
      groups = (await scim("GET", `/Users/${userId}`)).body.groups;
    });
    expect(groups.map((g) => `${g.value} ${g.type}`).sort()).toEqual(["g1 direct", "g2 direct", "g3 direct", "g4 indirect"]);
    const [statement] = statements.filter((sql) => sql.includes("groups_json"));
    const sql = statement.replace(/ \[took .*$/s, "").replace("?", `'${userId}'`);
    const plan = ((await connection.execute(`explain ${sql}`)) as Array<{ "QUERY PLAN": string }>).map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).not.toMatch(/Seq Scan on "group"/);
    expect(plan).toMatch(/Index Scan using group_pkey/);
  });
});
