import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { loadConfig } from "../../src/config";
import { CLI_ACTOR } from "../../src/domain/actor";
import { createApiKey } from "../../src/domain/commands/credentials";
import { buildApp, type BuiltApp } from "../../src/server/app";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

// At LOG_LEVEL=trace every request, refused or not, logs something: none of it may hold a credential.

/** Sends raw bytes; resolves with whatever came back once the server closes (or resets) the socket. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.write(bytes));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/**
 * Every place a credential could hide in a JSON log line: the text itself, and byte arrays (a
 * Buffer such as `err.rawPacket` serialises as `{"type":"Buffer","data":[71,69,84,…]}`).
 */
function leaks(lines: string[], secrets: string[]): string[] {
  const found: string[] = [];
  const check = (text: string, where: string) => {
    for (const secret of secrets) if (text.includes(secret)) found.push(`${where}: ${secret}`);
  };
  lines.forEach((line, index) => {
    check(line, `line ${index}`);
    const stack: unknown[] = [JSON.parse(line)];
    while (stack.length > 0) {
      const node = stack.pop();
      if (Array.isArray(node) && node.length > 0 && node.every((n) => Number.isInteger(n) && n >= 0 && n < 256)) {
        check(Buffer.from(node as number[]).toString("latin1"), `bytes in line ${index}`);
      } else if (node && typeof node === "object") {
        stack.push(...Object.values(node));
      }
    }
  });
  return found;
}

describe("log redaction: no credential reaches the log, at trace level", () => {
  const lines: string[] = [];
  let built: BuiltApp;
  let database: TestDatabase;
  let url: string;
  let port: number;
  let apiKey: string;
  let scimToken: string;

  const secretsOf = (credential: string) => [credential, credential.split(".")[1]!];
  const secrets = () => [...secretsOf(apiKey), ...secretsOf(scimToken), "c2VjcmV0c2VjcmV0"];
  /** The same credential id with another secret: looks real, fails authentication. */
  const forged = (credential: string) => `${credential.split(".")[0]}.${"A".repeat(43)}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = { ...loadConfig({}), database: database.config, port: 0, logLevel: "trace" };
    built = await buildApp(config, { logStream: { write: (line: string) => void lines.push(line) } });
    await built.app.listen({ host: "127.0.0.1", port: 0 });
    port = (built.app.server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}`;
    apiKey = (await createApiKey({ em: built.orm.em.fork(), actor: CLI_ACTOR }, { name: "logs", role: "ADMIN", organizationId: null })).secret;
  });
  afterAll(async () => {
    await built.close();
    await database.dispose();
  });

  const graphql = async (query: string, variables: Record<string, unknown> = {}, key: string | null = apiKey, body?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key) headers.authorization = `Bearer ${key}`;
    const response = await fetch(`${url}/graphql`, { method: "POST", headers, body: body ?? JSON.stringify({ query, variables }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const scim = async (method: string, path: string, body?: string, token = scimToken, type = "application/scim+json") => {
    const response = await fetch(`${url}/scim/v2${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": type }, body });
    await response.arrayBuffer();
    return response.status;
  };

  it("runs successful and failing GraphQL, SCIM and playground requests, and HTTP-level refusals", async () => {
    // GraphQL: ok, a domain error, a validation error, unauthenticated, bad JSON.
    const org = await graphql(`mutation { createOrganization(input: {name: "Logs"}) { id } }`);
    expect(org.status).toBe(200);
    const issued = await graphql(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "idp"}) { secret } }`, { o: org.body.data.createOrganization.id });
    scimToken = issued.body.data.createScimToken.secret;
    expect(scimToken).toMatch(/^idgs_/);
    expect((await graphql(`query { organization(id: "00000000-0000-7000-8000-000000000000") { id } }`)).body.errors).toBeDefined();
    expect((await graphql(`query { nope }`)).status).toBe(400);
    expect((await graphql(`query { organizations(first: 1) { nodes { id } } }`, {}, forged(apiKey))).status).toBe(401);
    expect((await graphql("", {}, apiKey, `{"query": ${JSON.stringify(apiKey)}`)).status).toBe(400);

    // A credential put in the URL (never accepted there): the request line is logged, the credential is not.
    expect((await fetch(`${url}/graphql?query=${encodeURIComponent("{ viewer { id } }")}&access_token=${apiKey}`)).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${url}/scim/v2/Users?token=${encodeURIComponent(scimToken)}&secret=whsec_c2VjcmV0c2VjcmV0`)).status).toBe(401);

    // The playground.
    expect((await fetch(`${url}/playground/`, { headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(200);

    // SCIM: 200, 401 (a forged token, an API key), 404, 400, 413, bad JSON, a wrong media type (415), 414.
    expect(await scim("GET", "/Users")).toBe(200);
    expect(await scim("GET", "/Users", undefined, forged(scimToken))).toBe(401);
    expect(await scim("GET", "/Users", undefined, apiKey)).toBe(401);
    expect(await scim("GET", "/Users/00000000-0000-7000-8000-000000000000")).toBe(404);
    expect(await scim("GET", `/Users?filter=${encodeURIComponent("userName zz 1")}`)).toBe(400);
    expect(await scim("POST", "/Users", JSON.stringify({ userName: "big", nickName: "x".repeat(2 * 1024 * 1024) }))).toBe(413);
    expect(await scim("POST", "/Users", `{"userName": ${JSON.stringify(scimToken)}`)).toBe(400);
    expect(await scim("POST", "/Users", JSON.stringify({ userName: "typed" }), scimToken, "text/plain")).toBeGreaterThanOrEqual(200);
    expect(await scim("GET", `/Users/${"a".repeat(500)}`)).toBe(414);

    // Refused by Node's HTTP parser, the raw bytes holding the Authorization header: 431 and 400.
    const pad = "a".repeat(20 * 1024);
    const overflows = [
      `GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${scimToken}\r\nX-Pad: ${pad}\r\n\r\n`,
      `GET /scim/v2/Users?filter=${pad} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${scimToken}\r\n\r\n`,
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${apiKey}\r\nX-Pad: ${pad}\r\n\r\n`,
    ];
    for (const bytes of overflows) expect(await rawExchange(port, bytes)).toMatch(/^HTTP\/1\.1 431 /);
    const malformed = await rawExchange(port, `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${apiKey}\r\nBad Header: x\r\n\r\n`);
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /);

    // An error that carries its request's raw bytes and headers, logged as the error paths log errors.
    const error = Object.assign(new Error("boom"), {
      rawPacket: Buffer.from(`GET / HTTP/1.1\r\nAuthorization: Bearer ${apiKey}\r\n\r\n`),
      headers: { authorization: `Bearer ${scimToken}` },
      request: { headers: { authorization: `Bearer ${apiKey}` } },
    });
    built.app.log.error({ err: error }, "SCIM request failed");
    built.app.log.error({ err: new Error("outer", { cause: error }) }, "GraphQL resolver failed");
    built.app.log.trace({ headers: { authorization: `Bearer ${apiKey}` } }, "headers");

    // Let pino flush what the closed sockets logged.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it("logged every one of them, at trace level", () => {
    const messages = lines.map((line) => JSON.parse(line) as { msg?: string; level: number });
    expect(messages.filter((m) => m.msg === "incoming request").length).toBeGreaterThanOrEqual(15);
    // The requests with a credential in the URL were logged, the credential masked.
    expect(lines.filter((line) => line.includes("access_token=idgk_[redacted]")).length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.includes("token=idgs_[redacted]&secret=whsec_[redacted]")).length).toBeGreaterThan(0);
    expect(messages.filter((m) => m.msg === "client error")).toHaveLength(4);
    expect(messages.filter((m) => m.msg === "SCIM request failed")).toHaveLength(1);
  });

  it("never logs a credential or its secret part, as text or as raw bytes", () => {
    expect(leaks(lines, secrets())).toEqual([]);
    // The redaction leaves a mark where a secret was.
    expect(lines.join("\n")).toContain("[redacted]");
  });
});
