import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { MAX_FILTER_CLAUSES, MAX_FILTER_NESTING } from "../../src/scim/filter/limits";
import { fixtures } from "../helpers/graph-fixtures";
import { fixture, issueScimToken, q, scimClient, type ScimCall } from "../helpers/scim";
import { startTestServer, type TestServer } from "../helpers/server";

const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const ors = (count: number, clause: (i: number) => string) => Array.from({ length: count }, (_, i) => clause(i)).join(" or ");
const nested = (levels: number, bottom: string): string =>
  levels === 0 ? bottom : `userName eq "a${levels}" ${levels % 2 ? "and" : "or"} (${nested(levels - 1, bottom)})`;

/** Sends raw bytes and returns whatever the server answered before closing (a 431 closes the socket). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    socket.on("data", (chunk) => chunks.push(chunk));
    // The server may reset the connection while the client still writes: keep what arrived.
    socket.on("error", (error) => (chunks.length > 0 ? resolve(Buffer.concat(chunks).toString("utf8")) : reject(error)));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function parseRaw(response: string): { status: number; headers: string; body: any } {
  const [head, body] = response.split("\r\n\r\n", 2) as [string, string];
  return { status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body: JSON.parse(body) };
}

/** A request with exactly the headers given (fetch adds a text/plain Content-Type to string bodies). */
function plainRequest(
  server: TestServer, method: string, path: string, headers: Record<string, string>, body?: string,
): Promise<{ status: number; type: string | undefined; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], headers: res.headers, body: text ? JSON.parse(text) : null });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("SCIM protocol edges", () => {
  let server: TestServer;
  let port: number;
  let token: string;
  let scim: ScimCall;
  let adaId: string;

  beforeAll(async () => {
    server = await startTestServer();
    port = Number(new URL(server.url).port);
    const org = await fixtures(server).organization("Edges");
    token = await issueScimToken(server, org);
    scim = scimClient(server, token);
    adaId = (await scim("POST", "/Users", { schemas: [USER], userName: "ada@edges.test", externalId: "Ext-Ada", emails: [{ value: "ada@edges.test", type: "work" }] })).body.id;
  });
  afterAll(async () => server.close());

  const expectScimError = (res: { status: number; body: any }, status: number, scimType?: string) => {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ schemas: [ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail: expect.any(String) });
  };

  it("reads a filter's quoted values as JSON strings: an escaped backslash, a \\u escape, an escaped backslash last", async () => {
    // A down-level logon name: its JSON text (how an IdP writes it in a filter) escapes the backslash.
    const created = await scim("POST", "/Users", { schemas: [USER], userName: "EDGES\\élodie", externalId: "trail\\" });
    expect(created.status).toBe(201);
    for (const filter of ['userName eq "EDGES\\\\élodie"', 'userName eq "edges\\\\\\u00e9lodie"', 'externalId eq "trail\\\\"', 'userName sw "EDGES\\\\"']) {
      const found = await scim("GET", `/Users?filter=${q(filter)}`);
      expect([filter, found.status, found.body.totalResults, found.body.Resources?.[0]?.id]).toEqual([filter, 200, 1, created.body.id]);
    }
    // The other tests count this organization's users.
    expect((await scim("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
  });

  it("answers 501 for /Me and /Bulk (RFC 7644 §3.11), 405 with Allow for a method an endpoint does not take, 404 for no endpoint", async () => {
    expectScimError(await scim("GET", "/Me"), 501);
    expectScimError(await scim("PATCH", "/Me", { schemas: [PATCH], Operations: [] }), 501);
    expectScimError(await scim("POST", "/Bulk", { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] }), 501);
    for (const [method, path, allow] of [
      ["POST", `/Users/${adaId}`, "GET, HEAD, PUT, PATCH, DELETE"],
      ["PATCH", "/Users", "GET, HEAD, POST"],
      ["DELETE", "/ServiceProviderConfig", "GET, HEAD"],
      ["PUT", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "GET, HEAD"],
      ["GET", "/.search", "POST"],
    ] as const) {
      const res = await scim(method, path, method === "GET" ? undefined : {});
      expectScimError(res, 405);
      expect([method, path, res.headers.get("allow")]).toEqual([method, path, allow]);
    }
    // Each method named in Allow is answered by a route (a 404 here would be the resource's, in SCIM's format).
    const bodies = { GET: undefined, DELETE: undefined, PUT: { schemas: [USER], userName: "x" }, PATCH: { schemas: [PATCH], Operations: [{ op: "replace", path: "title", value: "x" }] } };
    for (const [method, body] of Object.entries(bodies)) expect([method, (await scim(method, "/Users/no-such-user", body)).status]).toEqual([method, 404]);
    expectScimError(await scim("GET", "/Widgets"), 404);
    expectScimError(await scim("GET", `/Users/${adaId}/extra`), 404);
  });

  it("takes core attributes wrapped under their schema URN as top-level ones, as PATCH does", async () => {
    const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
    const created = await scim("POST", "/Users", { schemas: [USER_URN], [USER_URN]: { userName: "wrapped@edges.test", displayName: "Wrapped" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ userName: "wrapped@edges.test", displayName: "Wrapped" });
    expect(created.body[USER_URN]).toBeUndefined();
    const both = await scim("PUT", `/Users/${created.body.id}`, { schemas: [USER_URN], userName: "wrapped@edges.test", [USER_URN.toUpperCase()]: { USERNAME: "other@edges.test" } });
    expect([both.status, both.body.scimType]).toEqual([400, "invalidSyntax"]);
    expect((await scim("POST", "/Users", { schemas: [USER_URN], [USER_URN]: "not an object" })).status).toBe(400);
    // The other tests count this tenant's users.
    expect((await scim("DELETE", `/Users/${created.body.id}`)).status).toBe(204);
  });

  it("refuses a filter on the discovery endpoints with 403 (RFC 7644 §4)", async () => {
    for (const path of ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas", "/ResourceTypes/User"]) {
      expectScimError(await scim("GET", `${path}?filter=${q('id eq "User"')}`), 403);
      expect((await scim("GET", path)).status).toBe(200);
    }
  });

  describe("filters too large to run are 400 invalidFilter, not 500", () => {
    it.each([
      ["1,000 or clauses", ors(1_000, (i) => `userName eq "u${i}"`)],
      ["a 100 KB co value", `userName co "${"a".repeat(100 * 1024)}"`],
      ["a 100 KB co value on a caseExact attribute", `externalId co "${"a".repeat(100 * 1024)}"`],
      ["a 2,000-clause value path", `emails[${ors(2_000, (i) => `value eq "${i}"`)}]`],
      ["10,000 nested parentheses", `${"(".repeat(10_000)}userName pr${")".repeat(10_000)}`],
      ["10,000 nested not(", `${"not(".repeat(10_000)}userName pr${")".repeat(10_000)}`],
      [`${MAX_FILTER_CLAUSES + 1} short clauses`, ors(MAX_FILTER_CLAUSES + 1, () => "id pr")],
    ])("%s, by POST /.search", async (_name, filter) => {
      expectScimError(await scim("POST", "/Users/.search", { schemas: [SEARCH], filter }), 400, "invalidFilter");
    });

    it("the same by GET ?filter= and at the service root", async () => {
      const tooMany = ors(MAX_FILTER_CLAUSES + 1, () => "id pr");
      const res = await scim("GET", `/Users?filter=${q(tooMany)}`);
      expectScimError(res, 400, "invalidFilter");
      expect(res.body.detail).toContain("MAX_FILTER_CLAUSES");
      expectScimError(await scim("GET", `/Groups?filter=${q(tooMany.replace(/id pr/g, "displayName pr"))}`), 400, "invalidFilter");
      expectScimError(await scim("POST", "/.search", { schemas: [SEARCH], filter: tooMany }), 400, "invalidFilter");
    });

    it("runs what the limits allow: the deepest SQL at MAX_FILTER_NESTING, and MAX_FILTER_CLAUSES comparisons", async () => {
      // Each comparison below sits under exactly MAX_FILTER_NESTING operators.
      const deepest = nested(MAX_FILTER_NESTING - 3, 'groups[value eq "x" and (display co "y" or display sw "z")]');
      for (const filter of [
        deepest,
        nested(MAX_FILTER_NESTING - 3, 'emails[type eq "work" and not (value co "y")]'),
        ors(MAX_FILTER_CLAUSES, (i) => `groups.value eq "g${i}"`),
        `emails[${ors(MAX_FILTER_CLAUSES, (i) => `value ew "u${i}"`)}]`,
        ors(MAX_FILTER_CLAUSES, (i) => `title co "t${i}"`).replace(/ or (title co "t\d*[13579]")/g, " and $1"),
      ]) {
        const res = await scim("POST", "/Users/.search", { schemas: [SEARCH], filter, sortBy: "emails" });
        expect(res.status).toBe(200);
      }
      expect((await scim("POST", "/.search", { schemas: [SEARCH], filter: deepest })).status).toBe(200);
      const groups = await scim("POST", "/Groups/.search", { filter: nested(MAX_FILTER_NESTING - 2, 'members[value eq "x" and type eq "User"]').replace(/userName/g, "displayName") });
      expect(groups.status).toBe(200);
    });

    it("a PATCH path filter gets the same bounds: raw line feeds that would freeze the parser are refused at once", async () => {
      const group = (await scim("POST", "/Groups", { displayName: "Hostile path" })).body.id;
      const patch = (path: string) => scim("PATCH", `/Groups/${group}`, { schemas: [PATCH], Operations: [{ op: "remove", path }] });
      const started = Date.now();
      expectScimError(await patch(`members[value eq "${"\n".repeat(40)}]`), 400, "invalidFilter");
      expect(Date.now() - started).toBeLessThan(2_000);
      expectScimError(await patch(`emails[${ors(MAX_FILTER_CLAUSES + 1, (i) => `value eq "${i}"`)}]`), 400, "invalidFilter");
    });

    it("bounds sortBy, attributes and excludedAttributes, and reads startIndex past any list as an empty page", async () => {
      expectScimError(await scim("GET", `/Users?sortBy=${"a".repeat(5_000)}`), 400, "invalidFilter");
      expectScimError(await scim("POST", "/Users/.search", { attributes: Array.from({ length: 5_000 }, () => "userName") }), 400, "invalidValue");
      expectScimError(await scim("POST", "/Users/.search", { excludedAttributes: "x".repeat(10_000) }), 400, "invalidValue");
      expectScimError(await scim("POST", "/Users/.search", { attributes: 5 }), 400, "invalidValue");
      const far = await scim("GET", "/Users?startIndex=1e300");
      expect(far.status).toBe(200);
      expect(far.body).toMatchObject({ totalResults: 1, Resources: [] });
    });
  });

  it("outside SCIM too, a method a path does not take answers 405 with Allow (GraphQL's error format on /graphql), no path 404", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const res = await fetch(`${server.url}/graphql`, { method, headers: { "content-type": "application/json" }, body: "{}" });
      expect([method, res.status, res.headers.get("allow")]).toEqual([method, 405, expect.stringMatching(/GET.*POST/)]);
      expect(((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe("METHOD_NOT_ALLOWED");
    }
    const health = await fetch(`${server.url}/healthz`, { method: "POST" });
    expect([health.status, health.headers.get("allow")]).toEqual([405, expect.stringContaining("GET")]);
    const nowhere = await fetch(`${server.url}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toMatchObject({ statusCode: 404 });
  });

  describe("requests over the URL and header limits answer in SCIM's error format", () => {
    it("a 100 KB filter in the URL: 431 with a SCIM error body", async () => {
      const path = `/scim/v2/Users?filter=${q(`userName eq "${"a".repeat(100 * 1024)}"`)}`;
      const res = parseRaw(await rawExchange(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`));
      expectScimError(res, 431);
      expect(res.headers).toContain("content-type: application/scim+json");
      expect(res.body.detail).toContain("POST /Users/.search");
      // fetch, as an IdP would send it, gets the same answer.
      const fetched = await scim("GET", `/Users?filter=${q(`userName eq "${"a".repeat(100 * 1024)}"`)}`);
      expectScimError(fetched, 431);
    });

    it("an id longer than fastify's maxParamLength: 414 with a SCIM error body", async () => {
      const res = await scim("GET", `/Users/${"a".repeat(500)}`);
      expectScimError(res, 414);
      expect(res.headers.get("content-type")).toMatch(/^application\/scim\+json/);
      expectScimError(await scim("GET", "/Users/%E0%A4%A"), 400);
    });

    it("other paths keep a plain JSON body", async () => {
      const res = parseRaw(await rawExchange(port, `GET /graphql?x=${"a".repeat(100 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
      expect(res.status).toBe(431);
      expect(res.headers).toContain("content-type: application/json");
      expect(res.body).toMatchObject({ statusCode: 431, error: "Request Header Fields Too Large" });
      // Without SCIM's advice, which means nothing to a GraphQL client.
      expect(res.body.message).not.toContain("SCIM");
      expect(res.body.message).not.toContain(".search");
      const long = await fetch(`${server.url}/playground/assets/${"a".repeat(500)}`);
      expect(long.status).toBe(414);
      expect(await long.json()).toMatchObject({ statusCode: 414 });
    });
  });

  describe("Microsoft's trailing slash, externalId in /Schemas, empty groups", () => {
    it("GET /Users/?filter=… works exactly like /Users?filter=…, and so do /Groups/ and POST /Users/", async () => {
      const filter = q('userName eq "ada@edges.test"');
      const withSlash = await scim("GET", `/Users/?filter=${filter}`);
      const without = await scim("GET", `/Users?filter=${filter}`);
      expect(withSlash.status).toBe(200);
      expect(withSlash.body).toEqual(without.body);
      expect(withSlash.body.totalResults).toBe(1);
      expect((await scim("GET", "/Groups/?excludedAttributes=members")).status).toBe(200);
      expect((await scim("POST", "/Users/", { schemas: [USER], userName: "slash@edges.test" })).status).toBe(201);
      expect((await scim("GET", `/Users/${adaId}/`)).body.id).toBe(adaId);
      expect((await scim("GET", "/Schemas/")).body.totalResults).toBe(3);
      // GraphQL and the playground keep their own routing.
      expect((await fetch(`${server.url}/playground/`)).status).toBe(200);
    });

    it("lists externalId on the User and Group schemas, and PATCH and filters read it as before", async () => {
      const anonymous = scimClient(server, null);
      for (const urn of [USER, GROUP]) {
        const schema = await anonymous("GET", `/Schemas/${urn}`);
        expect(schema.body.attributes.find((a: { name: string }) => a.name === "externalId")).toMatchObject({ type: "string", caseExact: true, mutability: "readWrite" });
      }
      const patched = await scim("PATCH", `/Users/${adaId}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "externalId", value: "Ext-Ada-2" }] });
      expect(patched.body.externalId).toBe("Ext-Ada-2");
      expect((await scim("GET", `/Users?filter=${q('externalId eq "Ext-Ada-2"')}`)).body.totalResults).toBe(1);
      expect((await scim("GET", `/Users?filter=${q('externalId eq "ext-ada-2"')}`)).body.totalResults).toBe(0);
    });

    it("renders a group without members with no members attribute (RFC 7643 §2.5)", async () => {
      const created = await scim("POST", "/Groups", fixture("okta/create-group.json"));
      expect(created.status).toBe(201);
      expect(created.body).not.toHaveProperty("members");
      expect((await scim("GET", `/Groups/${created.body.id}`)).body).not.toHaveProperty("members");
      const listed = await scim("GET", `/Groups?filter=${q('displayName eq "Test SCIMv2"')}`);
      expect(listed.body.Resources[0]).not.toHaveProperty("members");
      await scim("PATCH", `/Groups/${created.body.id}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: [{ value: adaId }] }] });
      expect((await scim("GET", `/Groups/${created.body.id}`)).body.members).toEqual([expect.objectContaining({ value: adaId })]);
    });
  });

  describe("content types and bodies", () => {
    const auth = () => ({ authorization: `Bearer ${token}` });

    it("accepts application/scim+json and application/json, with parameters, in any case", async () => {
      for (const type of ["application/scim+json; charset=utf-8", "Application/JSON;charset=UTF-8", "application/json"]) {
        const res = await plainRequest(server, "POST", "/scim/v2/Users", { ...auth(), "content-type": type }, JSON.stringify({ userName: `type-${type.length}-${type.charAt(0)}@edges.test` }));
        expect(res.status).toBe(201);
      }
    });

    it("refuses any other content type, or none, with 415 in SCIM's format", async () => {
      const body = JSON.stringify({ schemas: [USER], userName: "typed@edges.test" });
      for (const type of ["text/plain", "application/xml", "application/x-www-form-urlencoded", null]) {
        const res = await plainRequest(server, "POST", "/scim/v2/Users", type === null ? auth() : { ...auth(), "content-type": type }, body);
        expectScimError(res, 415);
        expect(res.type).toMatch(/^application\/scim\+json/);
      }
      expect((await scim("GET", `/Users?filter=${q('userName eq "typed@edges.test"')}`)).body.totalResults).toBe(0);
    });

    it("keeps GET and DELETE without a body working, with or without a content type", async () => {
      expect((await plainRequest(server, "GET", "/scim/v2/Users", auth())).status).toBe(200);
      expect((await plainRequest(server, "GET", "/scim/v2/Users", { ...auth(), "content-type": "text/plain" })).status).toBe(200);
      const doomed = (await scim("POST", "/Users", { schemas: [USER], userName: "doomed@edges.test" })).body.id;
      expect((await plainRequest(server, "DELETE", `/scim/v2/Users/${doomed}`, { ...auth(), "content-type": "application/scim+json" })).status).toBe(204);
      const second = (await scim("POST", "/Users", { schemas: [USER], userName: "doomed2@edges.test" })).body.id;
      expect((await plainRequest(server, "DELETE", `/scim/v2/Users/${second}`, auth())).status).toBe(204);
    });

    it("refuses a Group body posted to /Users, and a User body put to /Groups (schemas must name the core schema)", async () => {
      const res = await scim("POST", "/Users", { schemas: [GROUP], displayName: "Not a user", userName: "group-as-user" });
      expectScimError(res, 400, "invalidSyntax");
      expect(res.body.detail).toContain(USER);
      const group = (await scim("POST", "/Groups", { schemas: [GROUP], displayName: "Schemas" })).body.id;
      expectScimError(await scim("PUT", `/Groups/${group}`, { schemas: [USER], displayName: "Schemas", userName: "x" }), 400, "invalidSyntax");
      expectScimError(await scim("POST", "/Users", { schemas: "nonsense-but-not-a-list-of-urns", userName: "x@edges.test" }), 400, "invalidSyntax");
      expectScimError(await scim("POST", "/Users", { schemas: [42], userName: "x@edges.test" }), 400, "invalidSyntax");
      // URNs compare case-insensitively; a missing or empty schemas is tolerated.
      expect((await scim("POST", "/Users", { schemas: [USER.toUpperCase()], userName: "upper@edges.test" })).status).toBe(201);
      expect((await scim("POST", "/Users", { userName: "bare@edges.test" })).status).toBe(201);
      expect((await scim("POST", "/Groups", { schemas: [], displayName: "Bare" })).status).toBe(201);
      expect((await scim("POST", "/Users", fixture("entra/create-user.json"))).status).toBe(201);
    });

    it("refuses JSON nested deeper than the body bound with 400, even 100,000 levels deep", async () => {
      for (const body of [
        `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
        `{"userName":"deep@edges.test","x":${'{"a":'.repeat(100_000)}1${"}".repeat(100_000)}}`,
        `{"userName":"deep@edges.test","x":${"[".repeat(5_000)}${"]".repeat(5_000)}}`,
      ]) {
        const res = await scim("POST", "/Users", body);
        expectScimError(res, 400, "invalidValue");
        expect(res.body.detail).toContain("MAX_BODY_DEPTH");
      }
      const patch = await scim("PATCH", `/Users/${adaId}`, `{"schemas":["${PATCH}"],"Operations":[{"op":"add","path":"nickName","value":${"[".repeat(50_000)}${"]".repeat(50_000)}}]}`);
      expectScimError(patch, 400, "invalidValue");
    });

    it("refuses NUL and lone surrogates anywhere in the body, keys included, with 400 invalidValue", async () => {
      for (const body of [
        '{"userName":"nul\\u0000@edges.test"}',
        '{"userName":"lone\\ud800@edges.test"}',
        '{"userName":"low\\udc00@edges.test"}',
        '{"userName":"key@edges.test","urn:x:ext\\u0000":{"a":1}}',
        '{"userName":"deepkey@edges.test","emails":[{"value":"a@b.c","\\udbff":1}]}',
      ]) expectScimError(await scim("POST", "/Users", body), 400, "invalidValue");
      const patch = await scim("PATCH", `/Users/${adaId}`, `{"schemas":["${PATCH}"],"Operations":[{"op":"replace","path":"nickName","value":"x\\u0000"}]}`);
      expectScimError(patch, 400, "invalidValue");
      // A surrogate pair is a character like any other.
      const emoji = await scim("POST", "/Users", '{"userName":"smile\\ud83d\\ude00@edges.test"}');
      expect(emoji.status).toBe(201);
      expect(emoji.body.userName).toBe("smile\u{1F600}@edges.test");
    });

    it('refuses a "__proto__" key, spelled out or escaped, as fastify does for every other route', async () => {
      for (const body of ['{"userName":"proto@edges.test","__proto__":{"x":1}}', '{"userName":"proto@edges.test","emails":[{"\\u005f_proto__":{"x":1}}]}']) {
        expectScimError(await scim("POST", "/Users", body), 400, "invalidValue");
      }
    });

    it("answers a body that is not JSON with invalidSyntax, quoting none of it", async () => {
      const res = await scim("POST", "/Users", '{"userName": "secret-looking-value", oops}');
      expectScimError(res, 400, "invalidSyntax");
      expect(res.body.detail).not.toContain("secret-looking-value");
    });
  });
});

describe("SCIM URLs behind a proxy (PUBLIC_URL)", () => {
  const servers: TestServer[] = [];
  afterAll(async () => Promise.all(servers.map((server) => server.close())));

  /** Creates a user over plain HTTP with `Host: evil.example` (fetch would send its own Host) and returns its Location header and meta.location. */
  async function locationsUnder(publicUrl: string | null): Promise<{ header: unknown; body: unknown; id: string }> {
    const server = await startTestServer({ config: { publicUrl } });
    servers.push(server);
    const token = await issueScimToken(server, await fixtures(server).organization("Proxied"));
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/scim+json", host: "evil.example" };
    const created = await plainRequest(server, "POST", "/scim/v2/Users", headers, JSON.stringify({ schemas: [USER], userName: "proxied@edges.test" }));
    expect(created.status).toBe(201);
    return { header: created.headers.location, body: created.body.meta.location, id: created.body.id };
  }

  it("names resources by the public URL, whatever Host and scheme the request came with", async () => {
    // Without PUBLIC_URL, the Host header the client chose names them: what the setting is for.
    const unpinned = await locationsUnder(null);
    expect(unpinned.header).toBe(`http://evil.example/scim/v2/Users/${unpinned.id}`);
    const pinned = await locationsUnder("https://idgraph.example.com");
    expect([pinned.header, pinned.body]).toEqual([`https://idgraph.example.com/scim/v2/Users/${pinned.id}`, `https://idgraph.example.com/scim/v2/Users/${pinned.id}`]);
  });
});
