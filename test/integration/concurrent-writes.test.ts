import { fixtures } from "../helpers/graph-fixtures";
import { scimTenant } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";

/**
 * Okta and Entra ID send no If-Match, and send updates to one resource in parallel: every one
 * of them must apply. 412 is only for a client that named a version and lost.
 */
describe("concurrent SCIM writes without If-Match all apply", () => {
  let server: TestServer;
  let f: ReturnType<typeof fixtures>;

  beforeAll(async () => {
    server = await startTestServer();
    f = fixtures(server);
  });
  afterAll(async () => server.close());

  it("ten parallel PATCHes replacing displayName: ten 200s, the version counts each", async () => {
    const { scim } = await scimTenant(server, "Parallel rename");
    const id = (await scim("POST", "/Users", { schemas: [USER], userName: "ada@parallel.test" })).body.id;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "displayName", value: `Ada ${i}` }))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const after = (await scim("GET", `/Users/${id}`)).body;
    expect(after.meta.version).toBe('W/"11"');
  });

  it("twenty parallel e-mail adds keep all twenty e-mails", async () => {
    const { scim } = await scimTenant(server, "Parallel emails");
    const id = (await scim("POST", "/Users", { schemas: [USER], userName: "bob@parallel.test" })).body.id;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => scim("PATCH", `/Users/${id}`, ops({ op: "add", path: "emails", value: [{ value: `bob${i}@parallel.test`, type: "other" }] }))),
    );
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect((await scim("GET", `/Users/${id}`)).body.emails).toHaveLength(20);
  });

  it("ten parallel group PATCHes that rename and add a member all apply", async () => {
    const { scim } = await scimTenant(server, "Parallel groups");
    const group = (await scim("POST", "/Groups", { displayName: "Crew" })).body.id;
    const users: string[] = [];
    for (let i = 0; i < 10; i += 1) users.push((await scim("POST", "/Users", { schemas: [USER], userName: `crew${i}@parallel.test` })).body.id);
    const results = await Promise.all(users.map((user, i) => scim("PATCH", `/Groups/${group}`, ops(
      { op: "replace", path: "displayName", value: `Crew ${i}` },
      { op: "add", path: "members", value: [{ value: user }] },
    ))));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(204));
    const after = (await scim("GET", `/Groups/${group}`)).body;
    expect(after.members).toHaveLength(10);
    expect(after.meta.version).toBe('W/"11"');
  });

  it("a stale If-Match still answers 412 and changes nothing", async () => {
    const { scim } = await scimTenant(server, "Stale version");
    const id = (await scim("POST", "/Users", { schemas: [USER], userName: "cy@parallel.test" })).body.id;
    expect((await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "title", value: "one" }))).status).toBe(200);
    const stale = await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "title", value: "two" }), { "if-match": 'W/"1"' });
    expect(stale.status).toBe(412);
    expect((await scim("GET", `/Users/${id}`)).body.title).toBe("one");
    const current = await scim("PATCH", `/Users/${id}`, ops({ op: "replace", path: "title", value: "three" }), { "if-match": 'W/"2"' });
    expect(current.status).toBe(200);
  });

  it("parallel PUTs and GraphQL updates keep holding", async () => {
    const { organizationId: org, scim } = await scimTenant(server, "Parallel PUT");
    const id = (await scim("POST", "/Users", { schemas: [USER], userName: "dee@parallel.test" })).body.id;
    const puts = await Promise.all(Array.from({ length: 8 }, (_, i) => scim("PUT", `/Users/${id}`, { schemas: [USER], userName: "dee@parallel.test", title: `t${i}`, active: true })));
    expect(puts.map((r) => r.status)).toEqual(Array(8).fill(200));
    const admin = await f.user(org, "admin-made@parallel.test");
    const updates = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      server.gql(`mutation($id: ID!, $t: String) { updateUser(input: {id: $id, title: $t}) { id } }`, { id: admin, t: `t${i}` })));
    expect(updates.filter((r) => r.errors)).toEqual([]);
  });
});
