import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { Pool } from "undici";
import { Group, User } from "../../src/store/entities";
import { openOrm } from "../../src/store/orm";
import { ensureBuilt } from "../helpers/build";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "../helpers/database";
import { fixtures } from "../helpers/graph-fixtures";
import { issueScimToken } from "../helpers/scim";
import { serverEndpoint } from "../helpers/server";

const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

/** A request's fate as its client saw it. */
type Outcome =
  | { kind: "answered"; status: number; body: unknown }
  | { kind: "refused"; code: string }
  | { kind: "cut"; status: number; error: string };

interface Serving {
  child: ChildProcess;
  base: string;
  port: number;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves once a line containing `text` is printed. */
  printed(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/**
 * The real CLI, `idgraph serve`, as an orchestrator runs it and stops it with SIGTERM. Jest sets
 * NODE_ENV=test, under which Apollo Server installs no signal handler of its own; in production it
 * does, so the server runs here without NODE_ENV, as it would be deployed.
 */
describe(`graceful shutdown on SIGTERM (${testDatabaseKind()})`, () => {
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let adminKey: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ensureBuilt();
    database = await createTestDatabase();
    env = { ...process.env, DATABASE_URL: database.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" };
    delete env.NODE_ENV;
    const lines = execFileSync(process.execPath, ["dist/src/cli/main.js", "api-key", "create", "--role", "admin", "--name", "shutdown"], { env, encoding: "utf8" });
    adminKey = lines.trim().split("\n").pop() as string;
  }, 120_000);
  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
    }
    await database.dispose();
  });

  async function serve(shutdownTimeoutMs: number): Promise<Serving> {
    const child = spawn(process.execPath, ["dist/src/cli/main.js", "serve"], {
      env: { ...env, SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) }, stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let text = "";
    const waiting: Array<{ text: string; resolve: () => void }> = [];
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      for (const wait of waiting.filter((w) => text.includes(w.text))) {
        waiting.splice(waiting.indexOf(wait), 1);
        wait.resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() }));
    });
    const printed = (wanted: string) => new Promise<void>((resolve, reject) => {
      if (text.includes(wanted)) return resolve();
      waiting.push({ text: wanted, resolve });
      void exited.then(() => reject(new Error(`serve exited before printing "${wanted}": ${text}`)));
    });
    await printed("api-key create");
    const base = /GraphQL:\s+(http:\/\/[^/\s]+)/.exec(text)?.[1] as string;
    return { child, base, port: Number(new URL(base).port), output: () => text, printed, exited };
  }

  it("answers or refuses every request of a burst cut by SIGTERM, stores every write it acknowledged, and exits 0", async () => {
    const BOUND_MS = 20_000;
    const server = await serve(BOUND_MS);
    const admin = serverEndpoint(server.base, adminKey);
    const organizationId = await fixtures(admin).organization("Burst");
    const scimToken = await issueScimToken(admin, organizationId);

    // 200 SCIM creates over 16 connections (group-committed) and 60 GraphQL creates over 4 more
    // (each its own transaction), all queued at once; SIGTERM goes out once 40 SCIM creates are answered.
    const scimPool = new Pool(server.base, { connections: 16 });
    const graphPool = new Pool(server.base, { connections: 4 });
    let settledScim = 0;
    let signalledAt = 0;
    const send = async (pool: Pool, path: string, headers: Record<string, string>, body: unknown): Promise<Outcome> => {
      let status = 0;
      try {
        const response = await pool.request({ path, method: "POST", headers, body: JSON.stringify(body) });
        status = response.statusCode;
        const text = await response.body.text();
        return { kind: "answered", status, body: JSON.parse(text) };
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error as Error).message;
        return status === 0 ? { kind: "refused", code } : { kind: "cut", status, error: code };
      }
    };
    const userNames = Array.from({ length: 200 }, (_, i) => `burst-${i}@shutdown.test`);
    const scimCreates = userNames.map(async (userName) => {
      const outcome = await send(scimPool, "/scim/v2/Users",
        { "content-type": "application/scim+json", authorization: `Bearer ${scimToken}` }, { schemas: [USER_SCHEMA], userName });
      settledScim += 1;
      if (settledScim === 40) {
        signalledAt = Date.now();
        server.child.kill("SIGTERM");
      }
      return { userName, outcome };
    });
    const displayNames = Array.from({ length: 60 }, (_, i) => `Burst group ${i}`);
    const graphCreates = displayNames.map(async (displayName) => ({
      displayName,
      outcome: await send(graphPool, "/graphql", { "content-type": "application/json", authorization: `Bearer ${adminKey}` }, {
        query: "mutation($o: ID!, $d: String!) { createGroup(input: {organizationId: $o, displayName: $d}) { id } }",
        variables: { o: organizationId, d: displayName },
      }),
    }));
    const scim = await Promise.all(scimCreates);
    const graph = await Promise.all(graphCreates);
    const exit = await server.exited;
    await Promise.all([scimPool.destroy(), graphPool.destroy()]);

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(BOUND_MS);
    expect(server.output()).toMatch(/Received SIGTERM: refusing new connections/);
    expect(server.output()).toMatch(/Shut down in \d+ ms\./);

    // Every request got its whole answer or a connection error before any answer: never half of one.
    const all = [...scim, ...graph].map(({ outcome }) => outcome);
    expect(all.filter((o) => o.kind === "cut")).toEqual([]);
    // Answers are the write's success, or fastify's 503 to a request that reached a connection
    // while it was closing: never a 500.
    const answered = all.filter((o): o is Extract<Outcome, { kind: "answered" }> => o.kind === "answered");
    expect(answered.filter((o) => o.status !== 503 && o.status !== 201 && o.status !== 200)).toEqual([]);
    // The signal landed mid-burst: some creates were acknowledged, some never reached a handler.
    const acknowledgedUsers = scim.filter(({ outcome }) => outcome.kind === "answered" && outcome.status === 201);
    expect(acknowledgedUsers.length).toBeGreaterThanOrEqual(40);
    expect(all.some((o) => o.kind === "refused")).toBe(true);
    const acknowledgedGroups = graph.filter(({ outcome }) => outcome.kind === "answered" && outcome.status === 200);
    for (const { outcome } of acknowledgedGroups) expect(outcome).toMatchObject({ body: { data: { createGroup: { id: expect.any(String) } } } });

    // Every acknowledged write is stored, under the id its answer gave.
    const orm = await openOrm(database.config);
    try {
      const em = orm.em.fork();
      const users = await em.find(User, { organization: organizationId });
      const storedUsers = new Map(users.map((user) => [user.userName, user.id]));
      for (const { userName, outcome } of acknowledgedUsers) {
        expect([userName, storedUsers.get(userName)]).toEqual([userName, (outcome as { body: { id: string } }).body.id]);
      }
      const groups = await em.find(Group, { organization: organizationId });
      const storedGroups = new Map(groups.map((group) => [group.displayName, group.id]));
      for (const { displayName, outcome } of acknowledgedGroups) {
        expect([displayName, storedGroups.get(displayName)]).toEqual([displayName, (outcome as { body: { data: { createGroup: { id: string } } } }).body.data.createGroup.id]);
      }
    } finally {
      await orm.close(true);
    }
  }, 120_000);

  it("finishes requests in flight and closes their connections, refuses new ones, answers /readyz pipelined behind one 503, then exits 0", async () => {
    const BOUND_MS = 20_000;
    const server = await serve(BOUND_MS);
    const admin = serverEndpoint(server.base, adminKey);
    const organizationId = await fixtures(admin).organization("Draining");
    const scimToken = await issueScimToken(admin, organizationId);

    // Two requests whose bodies have not arrived yet, each on a keep-alive connection of its own:
    // Node answers `100 Continue` once it has handed a request to fastify.
    const user = JSON.stringify({ schemas: [USER_SCHEMA], userName: "late-body@shutdown.test" });
    const scim = await rawConnection(server.port);
    scim.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${scimToken}\r\n`
      + `Content-Type: application/scim+json\r\nContent-Length: ${Buffer.byteLength(user)}\r\nExpect: 100-continue\r\n\r\n`);
    const operation = JSON.stringify({ query: "{ viewer { kind } }" });
    const graph = await rawConnection(server.port);
    graph.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${adminKey}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(operation)}\r\nExpect: 100-continue\r\n\r\n`);
    await Promise.all([scim.received("HTTP/1.1 100 Continue\r\n\r\n"), graph.received("HTTP/1.1 100 Continue\r\n\r\n")]);

    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    await server.printed("finishing 2 request(s) in flight");
    expect(await refusedSoon(server.port)).toBe(true);

    // The bodies arrive now; behind the create, a readiness probe pipelined on the same connection.
    scim.write(`${user}GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    graph.write(operation);
    const [scimResponses, graphResponses] = (await Promise.all([scim.closed(), graph.closed()])).map(parseResponses);
    expect(scimResponses.map((r) => r.status)).toEqual([100, 201, 503]);
    expect(scimResponses[1].json).toMatchObject({ userName: "late-body@shutdown.test" });
    // The probe, not the create ahead of it, closes that connection: the create's answer does not drop it.
    expect(scimResponses[1].headers.connection).not.toBe("close");
    expect([scimResponses[2].headers.connection, scimResponses[2].json]).toEqual(["close", expect.objectContaining({ statusCode: 503 })]);
    // A keep-alive connection whose request was in flight is closed after its answer, not left idle
    // until its keep-alive timeout (72 s) while the shutdown waits for it.
    expect(graphResponses.map((r) => r.status)).toEqual([100, 200]);
    expect([graphResponses[1].headers.connection, graphResponses[1].json]).toEqual(["close", { data: { viewer: { kind: "api_key" } } }]);

    const exit = await server.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.at - signalledAt).toBeLessThan(BOUND_MS / 2);
    const orm = await openOrm(database.config);
    try {
      expect(await orm.em.fork().count(User, { organization: organizationId, userName: "late-body@shutdown.test" })).toBe(1);
    } finally {
      await orm.close(true);
    }
  }, 60_000);

  it("exits 1 once the bound passes while a request hangs, ignoring a repeated SIGTERM and a SIGINT meanwhile", async () => {
    // Past the 10 s after which Apollo Server's own SIGTERM handler, were it installed, would cut
    // the connections still open: the request is cut by nothing but the bound.
    const BOUND_MS = 11_000;
    const server = await serve(BOUND_MS);
    // Headers of an operation whose body never comes: the request stays in flight for as long as the client wants.
    const socket = await rawConnection(server.port);
    socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${adminKey}\r\n`
      + `Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n`);
    await socket.received("HTTP/1.1 100 Continue\r\n\r\n");

    const signalledAt = Date.now();
    server.child.kill("SIGTERM");
    await server.printed("Received SIGTERM");
    server.child.kill("SIGTERM");
    server.child.kill("SIGINT");
    await server.printed("again: already shutting down");
    const exit = await server.exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(BOUND_MS - 100);
    expect(exit.at - signalledAt).toBeLessThan(BOUND_MS + 5000);
    expect(server.output()).toMatch(/did not finish within 11000 ms \(1 request\(s\) still in flight\)/);
    // The hung request got no answer, only the end of its connection.
    expect(parseResponses(await socket.closed()).map((r) => r.status)).toEqual([100]);
  }, 60_000);
});

interface RawConnection {
  write(text: string): void;
  /** Resolves once everything received so far contains `text`. */
  received(text: string): Promise<void>;
  /** Everything received, once the server ended the connection. */
  closed(): Promise<string>;
}

/** A bare TCP connection, for requests no HTTP client sends: a body held back, a request pipelined. */
function rawConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, "127.0.0.1");
    let text = "";
    const ended = new Promise<string>((done) => socket.once("close", () => done(text)));
    socket.on("data", (chunk) => (text += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.once("error", reject);
    socket.once("connect", () => resolve({
      write: (data) => socket.write(data),
      received: async (wanted) => {
        while (!text.includes(wanted)) {
          if (socket.destroyed) throw new Error(`connection closed before "${wanted}" arrived: ${text}`);
          await new Promise((wait) => setTimeout(wait, 5));
        }
      },
      closed: () => ended,
    }));
  });
}

/** Whether a new connection is refused within a second (the listening socket closes a few ticks after the signal). */
async function refusedSoon(port: number): Promise<boolean> {
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(false);
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
    });
    if (refused) return true;
    await new Promise((wait) => setTimeout(wait, 20));
  }
  return false;
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  json: unknown;
}

/** HTTP/1.1 responses one after another, each body sized by Content-Length (all idgraph's answers are). */
function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd < 0) throw new Error(`a truncated response head: ${rest}`);
    const [statusLine, ...headerLines] = rest.slice(0, headEnd).split("\r\n");
    const headers = Object.fromEntries(headerLines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }));
    const length = Number(headers["content-length"] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    if (Buffer.byteLength(body, "latin1") < length) throw new Error(`a truncated response body: ${rest}`);
    responses.push({ status: Number(statusLine.split(" ")[1]), headers, json: length > 0 ? JSON.parse(Buffer.from(body, "latin1").toString("utf8")) : null });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}
