import { AuditEvent, User } from "../../src/store/entities";
import { q, scimTenant, type ScimCall } from "../helpers/scim";
import { afterCredentialRead, startTestServer, type TestServer } from "../helpers/server";

const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ops = (...operations: unknown[]) => ({ schemas: [PATCH], Operations: operations });
const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, ...extra });

describe("SCIM: filters, lists, versions, errors and atomicity", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.close());

  /** A new organization provisioned with alice, bob, carol and dan_100% over its own SCIM token. */
  async function people() {
    const { organizationId: org, scim } = await scimTenant(server);
    const ids: Record<string, string> = {};
    const people: Array<[string, Record<string, unknown>]> = [
      ["alice@acme.test", { name: { givenName: "Alice", familyName: "Liddell" }, emails: [{ type: "work", value: "Alice@Acme.test", primary: true }, { type: "home", value: "alice@home.test" }], title: "Engineer", externalId: "EXT-A" }],
      ["bob@acme.test", { name: { givenName: "Bob" }, emails: [{ type: "home", value: "bob@home.test" }], title: "Manager", active: false }],
      ["carol@acme.test", { title: "Engineer", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "R&D" } }],
      ["dan_100%@acme.test", { nickName: "Danny" }],
    ];
    for (const [userName, extra] of people) ids[userName.split("@")[0]] = (await scim("POST", "/Users", user(userName, extra))).body.id;
    return { org, scim, ids, find: (filter: string) => scim("GET", `/Users?filter=${q(filter)}`) };
  }

  const idsOf = (res: { body: { Resources: Array<{ id: string }> } }) => res.body.Resources.map((r) => r.id).sort();

  it.each([
    ['userName sw "a"', ["alice"]],
    ['userName co "ACME"', ["alice", "bob", "carol", "dan_100%"]],
    ['userName co "_100%"', ["dan_100%"]],
    ['title eq "engineer"', ["alice", "carol"]],
    ['title eq "Engineer" and not (name.givenName pr)', ["carol"]],
    ['active eq false', ["bob"]],
    ['emails[type eq "work" and value co "alice@"]', ["alice"]],
    ['emails.value ew "@home.test"', ["alice", "bob"]],
    ['externalId eq "EXT-A"', ["alice"]],
    ['externalId eq "ext-a"', []],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"', ["carol"]],
    ['nickName pr or name.givenName eq "BOB"', ["bob", "dan_100%"]],
  ])("filters %s", async (filter, expected) => {
    const { ids, find } = await people();
    const res = await find(filter);
    expect(res.status).toBe(200);
    expect(idsOf(res)).toEqual(expected.map((name) => ids[name]).sort());
  });

  it("filters on meta.lastModified", async () => {
    const { scim, ids, find } = await people();
    const before = new Date(Date.now() - 1000).toISOString();
    await scim("PATCH", `/Users/${ids.carol}`, ops({ op: "replace", path: "title", value: "Lead" }));
    const after = new Date(Date.now() + 60_000).toISOString();
    expect(idsOf(await find(`meta.lastModified gt "${before}"`))).toEqual(Object.values(ids).sort());
    expect((await find(`meta.lastModified gt "${after}"`)).body.totalResults).toBe(0);
  });

  it.each([
    ['userName eq'],
    ['nosuchattribute eq "x"'],
    ['userName eq "x" or'],
    ['active gt true'],
    ['userName") or 1=1 -- eq "x"'],
  ])("answers 400 invalidFilter for %s", async (filter) => {
    const { scim } = await scimTenant(server);
    const res = await scim("GET", `/Users?filter=${q(filter)}`);
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidFilter");
  });

  it("treats an injection attempt in a value as a plain value", async () => {
    const { org, find } = await people();
    expect((await find(`userName eq "x' or '1'='1"`)).body.totalResults).toBe(0);
    expect((await server.built.orm.em.fork().count(User, { organization: org }))).toBe(4);
  });

  it("pages with startIndex and count, counting the whole filtered set", async () => {
    const { scim } = await people();
    const page = await scim("GET", `/Users?filter=${q('userName co "acme"')}&startIndex=2&count=2&sortBy=userName`);
    expect(page.body).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(page.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(["bob@acme.test", "carol@acme.test"]);
    const countOnly = await scim("GET", "/Users?count=0");
    expect(countOnly.body).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    const capped = await scim("GET", "/Users?count=100000");
    expect(capped.body.itemsPerPage).toBe(4);
  });

  it("sorts descending by a sub-attribute", async () => {
    const { scim } = await people();
    const res = await scim("GET", `/Users?sortBy=name.givenName&sortOrder=descending&filter=${q("name.givenName pr")}`);
    expect(res.body.Resources.map((r: { userName: string }) => r.userName)).toEqual(["bob@acme.test", "alice@acme.test"]);
  });

  it("sorts the users without the value last ascending and first descending (RFC 7644 §3.4.2.3), on either database", async () => {
    const { scim } = await people();
    const userNames = (res: { body: { Resources: Array<{ userName: string }> } }) => res.body.Resources.map((r) => r.userName);
    // carol and dan have no givenName; among themselves they keep id (creation) order.
    expect(userNames(await scim("GET", "/Users?sortBy=name.givenName"))).toEqual(["alice@acme.test", "bob@acme.test", "carol@acme.test", "dan_100%@acme.test"]);
    expect(userNames(await scim("GET", "/Users?sortBy=name.givenName&sortOrder=descending"))).toEqual(["carol@acme.test", "dan_100%@acme.test", "bob@acme.test", "alice@acme.test"]);
    // A multi-valued attribute sorts by its primary (or first) value; dan and carol have none.
    expect(userNames(await scim("GET", "/Users?sortBy=emails&sortOrder=descending"))).toEqual(["carol@acme.test", "dan_100%@acme.test", "bob@acme.test", "alice@acme.test"]);
  });

  it("refuses two primary values of one attribute on POST and PUT with 400 invalidValue (RFC 7643 §2.4)", async () => {
    const { scim, ids } = await people();
    const emails = [{ value: "a@two.test", primary: true }, { value: "b@two.test", primary: "True" }];
    const posted = await scim("POST", "/Users", user("two@acme.test", { emails }));
    expect([posted.status, posted.body.scimType]).toEqual([400, "invalidValue"]);
    const put = await scim("PUT", `/Users/${ids.bob}`, user("bob@acme.test", { emails }));
    expect([put.status, put.body.scimType]).toEqual([400, "invalidValue"]);
    expect((await scim("POST", "/Users", user("one@acme.test", { emails: [emails[0], { value: "c@two.test", primary: false }] }))).status).toBe(201);
  });

  it("returns only the attributes asked for, and always the id", async () => {
    const { scim, ids } = await people();
    const res = await scim("GET", `/Users/${ids.alice}?attributes=userName,name.givenName`);
    expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], id: ids.alice, userName: "alice@acme.test", name: { givenName: "Alice" } });
    const excluded = await scim("GET", `/Users/${ids.alice}?excludedAttributes=emails,meta`);
    expect(excluded.body).not.toHaveProperty("emails");
    expect(excluded.body).not.toHaveProperty("meta");
    expect(excluded.body.userName).toBe("alice@acme.test");
  });

  it("searches with POST /.search, per resource type and at the root", async () => {
    const { scim } = await people();
    const body = { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'title eq "engineer"', attributes: ["userName"], count: 10 };
    const typed = await scim("POST", "/Users/.search", body);
    expect(typed.status).toBe(200);
    expect(typed.body.Resources.map((r: { userName: string }) => r.userName).sort()).toEqual(["alice@acme.test", "carol@acme.test"]);
    await scim("POST", "/Groups", { displayName: "Engineers" });
    const root = await scim("POST", "/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'meta.created pr', count: 100 });
    expect(root.body.totalResults).toBe(5);
  });

  it("answers a userName lookup and GET /Users/{id} with one statement each after the credential's, groups (direct and nested) included", async () => {
    const { scim, ids, find } = await people();
    const inner = (await scim("POST", "/Groups", { displayName: "Lookup Inner", members: [{ value: ids.carol }] })).body.id;
    const outer = (await scim("POST", "/Groups", { displayName: "Lookup Outer", members: [{ value: inner }] })).body.id;
    const expected = [
      { value: inner, display: "Lookup Inner", type: "direct", $ref: expect.stringMatching(new RegExp(`/Groups/${inner}$`)) },
      { value: outer, display: "Lookup Outer", type: "indirect", $ref: expect.stringMatching(new RegExp(`/Groups/${outer}$`)) },
    ].sort((a, b) => (a.value < b.value ? -1 : 1));

    let lookup: Awaited<ReturnType<ScimCall>> | undefined;
    const lookupStatements = await server.captureQueries(async () => {
      lookup = await find('userName eq "CAROL@acme.test"');
    });
    expect(lookup?.body.Resources[0].groups).toEqual(expected);
    expect(afterCredentialRead(lookupStatements)).toHaveLength(1);

    let read: Awaited<ReturnType<ScimCall>> | undefined;
    const getStatements = await server.captureQueries(async () => {
      read = await scim("GET", `/Users/${ids.carol}`);
    });
    expect(read?.body.groups).toEqual(expected);
    expect(afterCredentialRead(getStatements)).toHaveLength(1);

    // A projection without groups does not read them; one that names them does.
    expect((await scim("GET", `/Users/${ids.carol}?attributes=userName`)).body.groups).toBeUndefined();
    expect((await scim("GET", `/Users/${ids.carol}?attributes=groups`)).body.groups).toEqual(expected);
  });

  it("creates a user with one short write transaction: reads outside it, no SELECT before the INSERT, no stray UPDATE", async () => {
    const { scim } = await scimTenant(server);
    await scim("GET", "/Users?count=0"); // lastUsedAt is refreshed at most once a minute: get it done first
    let created: Awaited<ReturnType<ScimCall>> | undefined;
    const statements = await server.captureQueries(async () => {
      created = await scim("POST", "/Users", user("fast@acme.test", { name: { givenName: "Fast" }, emails: [{ value: "fast@acme.test", primary: true }], active: true }));
      expect(created.status).toBe(201);
    });
    const verbs = afterCredentialRead(statements).map((sql) => {
      const words = sql.replace(/[`"]/g, "").split(" ");
      return words[0] + (words[0] === "insert" ? ` ${words[2]}` : "");
    });
    // The token's row came with its organization's (the settings a create reads), on a read
    // connection, in parallel with writers; the write transaction holds only the two inserts, and
    // the unique index decides a 409.
    expect(statements[0]).toMatch(/ from scim_token t join organization o /);
    expect(verbs).toEqual(["begin", "insert user", "insert audit_event", "commit"]);
    // (SQLite's readers are MikroORM read replicas; PostgreSQL reads and writes from one pool.)
    if (server.database.config.kind === "sqlite") expect(statements[0]).toMatch(/via read connection/);

    // Written without the unit of work, read back through it: every column as MikroORM would
    // have written it (a mismatch would make the entity dirty and the flush write it back).
    const em = server.built.orm.em.fork();
    const stored = await em.findOneOrFail(User, { id: created!.body.id });
    expect(stored).toMatchObject({ userName: "fast@acme.test", userNameKey: "fast@acme.test", givenName: "Fast", active: true, managedBy: "SCIM", version: 1, enterprise: null });
    expect(stored.emails).toEqual([{ value: "fast@acme.test", primary: true }]);
    expect(stored.createdAt.toISOString()).toBe(created!.body.meta.created);
    expect(await server.countQueries(() => em.flush())).toBe(0);
  });

  it("gives each of many concurrent creates its own outcome, also when one of them conflicts", async () => {
    const { scim, find } = await people();
    const events = await server.built.orm.em.fork().count(AuditEvent, {});
    const names = Array.from({ length: 24 }, (_, i) => `burst-${i}@acme.test`);
    // Two creates of one userName (in another case) among the burst: group commit shares
    // transactions between concurrent creates, and the conflict must not take the others down.
    const answers = await Promise.all([...names, "BURST-7@acme.test"].map((name) => scim("POST", "/Users", user(name))));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(24);
    expect(statuses.filter((s) => s === 409)).toHaveLength(1);
    expect(answers.find((a) => a.status === 409)?.body).toMatchObject({ status: "409", scimType: "uniqueness" });
    const found = await find('userName sw "burst-"');
    expect(found.body.totalResults).toBe(24);
    expect(await server.built.orm.em.fork().count(AuditEvent, {})).toBe(events + 24);
  });

  it("creates an empty group as a user is created (two inserts, group-committed), and a group under a group limit in a locked transaction", async () => {
    const { organizationId, scim } = await scimTenant(server);
    await scim("GET", "/Groups?count=0"); // lastUsedAt is refreshed at most once a minute: get it done first
    const verbsOf = (statements: string[]) => afterCredentialRead(statements).map((sql) => {
      const words = sql.replace(/[`"]/g, "").split(" ");
      return words[0] + (words[0] === "insert" ? ` ${words[2]}` : "");
    });
    const empty = await server.captureQueries(async () => expect((await scim("POST", "/Groups", { displayName: "Pushed", members: [] })).status).toBe(201));
    expect(verbsOf(empty)).toEqual(["begin", "insert group", "insert audit_event", "commit"]);

    // Under a limit the count and the insert share one transaction, the organization locked.
    await server.ok(`mutation($o: ID!) { updateOrganization(input: {id: $o, maxGroups: 2}) { id } }`, { o: organizationId });
    const limited = await server.captureQueries(async () => expect((await scim("POST", "/Groups", { displayName: "Second" })).status).toBe(201));
    expect(verbsOf(limited)).toContain("select");
    const refused = await scim("POST", "/Groups", { displayName: "Third" });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toMatch(/maximum of 2 groups/);
  });

  it("answers 409 uniqueness for a group displayName taken in another case", async () => {
    const { scim } = await scimTenant(server);
    expect((await scim("POST", "/Groups", { displayName: "Finance" })).status).toBe(201);
    const res = await scim("POST", "/Groups", { displayName: "FINANCE" });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: "409", scimType: "uniqueness" });
  });

  it("keeps attributes it does not model and returns them as sent", async () => {
    const { scim } = await scimTenant(server);
    const custom = { "urn:example:params:scim:schemas:extension:acme:2.0:User": { badge: "B-17", floors: [3, 4] }, favouriteColour: "teal" };
    const created = await scim("POST", "/Users", user("eve@acme.test", custom));
    const res = await scim("GET", `/Users/${created.body.id}`);
    expect(res.body).toMatchObject(custom);
    expect(res.body.schemas).toContain("urn:example:params:scim:schemas:extension:acme:2.0:User");
  });

  it("honours If-Match: a stale version is 412 and changes nothing", async () => {
    const { scim, ids } = await people();
    const current = await scim("GET", `/Users/${ids["dan_100%"]}`);
    const etag = current.headers.get("etag") as string;
    expect(etag).toBe(current.body.meta.version);
    const stale = await scim("PATCH", `/Users/${ids["dan_100%"]}`, ops({ op: "replace", path: "title", value: "x" }), { "if-match": 'W/"999"' });
    expect(stale.status).toBe(412);
    const fresh = await scim("PATCH", `/Users/${ids["dan_100%"]}`, ops({ op: "replace", path: "title", value: "Ops" }), { "if-match": etag });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get("etag")).not.toBe(etag);
    expect((await scim("GET", `/Users/${ids["dan_100%"]}`, undefined, { "if-none-match": fresh.headers.get("etag") as string })).status).toBe(304);
    // A list of tags matches when any does (RFC 9110 §13.1.1); none current is a 412.
    const now = fresh.headers.get("etag") as string;
    const listed = await scim("PATCH", `/Users/${ids["dan_100%"]}`, ops({ op: "replace", path: "title", value: "SRE" }), { "if-match": `W/"999", ${now}` });
    expect(listed.status).toBe(200);
    const allStale = await scim("PUT", `/Users/${ids["dan_100%"]}`, { userName: "dan_100%@example.com" }, { "if-match": `${now}, W/"999"` });
    expect(allStale.status).toBe(412);
    expect((await scim("DELETE", `/Users/${ids["dan_100%"]}`, undefined, { "if-match": `W/"0", ${listed.headers.get("etag")}` })).status).toBe(204);
  });

  it("answers a conditional GET by RFC 9110: 304 with the ETag for *, a list or the strong form of the tag; 412 for a stale If-Match", async () => {
    const { scim, ids } = await people();
    const path = `/Users/${ids.alice}`;
    const etag = (await scim("GET", path)).headers.get("etag") as string;
    const version = /"(\d+)"/.exec(etag)?.[1];
    for (const tags of [etag, "*", `W/"999", ${etag}`, `"${version}"`]) {
      const res = await scim("GET", path, undefined, { "if-none-match": tags });
      expect([tags, res.status, res.headers.get("etag")]).toEqual([tags, 304, etag]);
    }
    expect((await scim("GET", path, undefined, { "if-none-match": 'W/"999"' })).status).toBe(200);
    expect((await scim("GET", path, undefined, { "if-match": etag })).status).toBe(200);
    const stale = await scim("GET", path, undefined, { "if-match": 'W/"999"' });
    expect(stale.status).toBe(412);
    expect(stale.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  });

  it("applies all operations of a PATCH or none of them", async () => {
    const { scim, ids } = await people();
    const before = await scim("GET", `/Users/${ids.alice}`);
    const events = await server.built.orm.em.fork().count(AuditEvent, {});
    const res = await scim("PATCH", `/Users/${ids.alice}`, ops(
      { op: "replace", path: "title", value: "CTO" },
      { op: "add", path: "groups", value: [{ value: ids.bob }] },
    ));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("mutability");
    expect((await scim("GET", `/Users/${ids.alice}`)).body).toEqual(before.body);
    expect(await server.built.orm.em.fork().count(AuditEvent, {})).toBe(events);
  });

  it.each([
    ["malformed JSON", "POST", "/Users", "{ not json", "invalidSyntax"],
    ["a PATCH without PatchOp schema", "PATCH", "/Users/{alice}", JSON.stringify({ Operations: [{ op: "replace", path: "title", value: "x" }] }), "invalidSyntax"],
    ["an unknown op", "PATCH", "/Users/{alice}", JSON.stringify(ops({ op: "explode", path: "title" })), "invalidSyntax"],
    ["a user without userName", "POST", "/Users", JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"] }), "invalidValue"],
    ["a non-boolean active", "POST", "/Users", JSON.stringify(user("z@acme.test", { active: "maybe" })), "invalidValue"],
  ])("answers 400 %s with scimType %s", async (_name, method, path, body, scimType) => {
    const { scim, ids } = await people();
    const res = await scim(method, path.replace("{alice}", ids.alice), body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: "400", scimType });
  });

  it("answers 413 for an oversized body", async () => {
    const { scim } = await scimTenant(server);
    const res = await scim("POST", "/Users", user("big@acme.test", { nickName: "x".repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
  });
});
