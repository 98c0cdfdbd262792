import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";
import { testDatabaseKind } from "../helpers/database";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const addMember = (value: string) => ({ schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value }] }] });

/**
 * Commands that check, then write, raced against each other (domain/command.ts and lookup.ts say
 * what keeps each safe: a row lock, a unique index). On PostgreSQL they really run side by side
 * under READ COMMITTED; on SQLite the one writer takes them in turn. Either way: never a cycle,
 * never past a cap, exactly one winner, no 500.
 */
describe(`races between commands (${testDatabaseKind()})`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  it("X into Y and Y into X at once: one nesting wins, the other is refused as a cycle", async () => {
    for (let round = 0; round < 5; round += 1) {
      const { scim } = await scimTenant(server, `Cycle race ${round}`);
      const x = (await scim("POST", "/Groups", { displayName: "X" })).body.id as string;
      const y = (await scim("POST", "/Groups", { displayName: "Y" })).body.id as string;
      const [xInY, yInX] = await Promise.all([scim("PATCH", `/Groups/${y}`, addMember(x)), scim("PATCH", `/Groups/${x}`, addMember(y))]);
      expect([xInY.status, yInX.status].sort()).toEqual([204, 400]);
      const refused = xInY.status === 400 ? xInY : yInX;
      expect(refused.body.detail).toMatch(/cycle/);
      const members = [(await scim("GET", `/Groups/${x}`)).body.members ?? [], (await scim("GET", `/Groups/${y}`)).body.members ?? []];
      expect(members.flat()).toHaveLength(1);
    }
  });

  it("a chain closed from both ends at once (A⊂B⊂C, then C into A and A into… ) never leaves a cycle", async () => {
    const { scim } = await scimTenant(server, "Chain race");
    const ids: string[] = [];
    for (const name of ["A", "B", "C", "D"]) ids.push((await scim("POST", "/Groups", { displayName: name })).body.id);
    const [a, b, c, d] = ids as [string, string, string, string];
    await scim("PATCH", `/Groups/${b}`, addMember(a));
    await scim("PATCH", `/Groups/${c}`, addMember(b));
    // D into C would be fine alone; A into D closes a cycle only together with it.
    const results = await Promise.all([scim("PATCH", `/Groups/${c}`, addMember(d)), scim("PATCH", `/Groups/${a}`, addMember(d)), scim("PATCH", `/Groups/${d}`, addMember(c))]);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    // Walk the nesting from every group: no group may reach itself.
    const parentsOf = new Map<string, string[]>();
    for (const id of ids) {
      for (const member of (await scim("GET", `/Groups/${id}`)).body.members ?? []) parentsOf.set(member.value, [...(parentsOf.get(member.value) ?? []), id]);
    }
    for (const start of ids) {
      const seen = new Set<string>();
      const queue = [...(parentsOf.get(start) ?? [])];
      while (queue.length) {
        const next = queue.shift() as string;
        expect(next).not.toBe(start);
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(...(parentsOf.get(next) ?? []));
      }
    }
  });

  it("ten group creates racing for the last two places under maxGroups: two win, eight are refused", async () => {
    const { scim, organizationId } = await scimTenant(server, "Cap race");
    await server.ok(`mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id } }`, { input: { id: organizationId, maxGroups: 3 } });
    await scim("POST", "/Groups", { displayName: "Existing" });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => scim("POST", "/Groups", { displayName: `Racer ${i}` })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, ...Array(8).fill(400)]);
    expect((await scim("GET", "/Groups?count=0")).body.totalResults).toBe(3);
  });

  it("the same displayName created ten times at once: one 201, nine 409", async () => {
    const { scim } = await scimTenant(server, "Name race");
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => scim("POST", "/Groups", { displayName: i % 2 ? "Engineering" : "ENGINEERING" })));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
  });

  it("the same userName created ten times at once (group-committed): one 201, nine 409", async () => {
    const { scim } = await scimTenant(server, "User race");
    const results = await Promise.all(Array.from({ length: 10 }, () => scim("POST", "/Users", { schemas: [USER], userName: "ada@race.test" })));
    expect(results.map((r) => r.status).sort()).toEqual([201, ...Array(9).fill(409)]);
  });

  it("a member added while it is being deleted: the add is refused or lands before the delete, never a 500", async () => {
    const { scim } = await scimTenant(server, "Delete race");
    const group = (await scim("POST", "/Groups", { displayName: "Crew" })).body.id as string;
    const users: string[] = [];
    for (let i = 0; i < 10; i += 1) users.push((await scim("POST", "/Users", { schemas: [USER], userName: `u${i}@race.test` })).body.id);
    const results = await Promise.all(users.flatMap((user) => [scim("PATCH", `/Groups/${group}`, addMember(user)), scim("DELETE", `/Users/${user}`)]));
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    // Every user is gone, so no membership may remain (the delete cascades over whatever landed first).
    expect((await scim("GET", `/Groups/${group}`)).body.members ?? []).toEqual([]);
  });
});
