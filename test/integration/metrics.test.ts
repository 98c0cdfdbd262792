import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig, type Config } from "../../src/config";
import { CLI_ACTOR } from "../../src/domain/actor";
import { auditEvent } from "../../src/domain/audit";
import { storeOf } from "../../src/domain/ports/store";
import { Organization, User } from "../../src/store/entities";
import { createApiKey } from "../../src/domain/commands/credentials";
import { buildApp, type BuildOptions, type BuiltApp } from "../../src/server/app";
import { createTestDatabase, testDatabaseKind, type TestDatabase } from "../helpers/database";
import { startReceiver, type WebhookReceiver } from "../helpers/webhook-receiver";

/** The real server on a fresh database of the kind under test, with these settings over the defaults. */
async function startServer(settings: Partial<Config>, options: BuildOptions = { logger: false }) {
  const database: TestDatabase = await createTestDatabase();
  const built: BuiltApp = await buildApp({ ...loadConfig({}), ...settings, database: database.config, port: 0 }, options);
  await built.app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
  const adminKey = (await createApiKey({ em: built.orm.em.fork(), actor: CLI_ACTOR }, { name: "test-admin", role: "ADMIN", organizationId: null })).secret;
  const call = (method: string, path: string, token: string | null, body?: unknown, type = "application/json") =>
    fetch(`${url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": type }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
    const body = (await (await call("POST", "/graphql", adminKey, { query, variables })).json()) as { data?: any; errors?: unknown[] };
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  return {
    url, built, adminKey, call, graphql,
    async close() {
      await built.close();
      await database.dispose();
    },
  };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → samples (`# HELP` and `# TYPE` lines skipped). */
function samples(text: string): Sample[] {
  const result: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    result.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return result;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined when there is none. */
function valueOf(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe(`metrics (${testDatabaseKind()})`, () => {
  describe("off unless METRICS_ENABLED", () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    beforeAll(async () => {
      server = await startServer({});
    });
    afterAll(async () => server.close());

    it("answers /metrics with a 404, as any unknown route", async () => {
      const response = await server.call("GET", "/metrics", null);
      expect(response.status).toBe(404);
      expect(server.built.metrics).toBeNull();
    });
  });

  describe("on, without a token", () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    const scrape = async () => {
      const response = await server.call("GET", "/metrics", null);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(server.built.metrics!.registry.contentType);
      return samples(await response.text());
    };

    beforeAll(async () => {
      server = await startServer({ metricsEnabled: true });
    });
    afterAll(async () => server.close());

    it("counts SCIM and GraphQL requests by route pattern, never by the URL's ids", async () => {
      const organizationId = (await server.graphql(`mutation { createOrganization(input: {name: "Acme"}) { id } }`)).createOrganization.id;
      const token = (await server.graphql(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "idp"}) { secret } }`, { o: organizationId }))
        .createScimToken.secret;
      const created = await server.call("POST", "/scim/v2/Users", token, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "ada@acme.test" }, "application/scim+json");
      expect(created.status).toBe(201);
      const userId = ((await created.json()) as { id: string }).id;
      expect((await server.call("GET", `/scim/v2/Users/${userId}`, token)).status).toBe(200);
      expect((await server.call("GET", `/scim/v2/Users/${userId}`, token)).status).toBe(200);
      expect((await server.call("GET", `/scim/v2/Nonsense/${userId}`, token)).status).toBe(404);
      expect((await server.call("GET", `/elsewhere/${userId}`, null)).status).toBe(404);
      expect((await server.call("GET", "/healthz", null)).status).toBe(200);

      const response = await server.call("GET", "/metrics", null);
      const text = await response.text();
      expect(text).not.toContain(userId);
      const all = samples(text);
      const requests = (labels: Record<string, string>) => valueOf(all, "idgraph_http_requests_total", labels);
      expect(requests({ surface: "scim", route: "/scim/v2/Users/:id", method: "GET", status: "200" })).toBe(2);
      expect(requests({ surface: "scim", route: "/scim/v2/Users", method: "POST", status: "201" })).toBe(1);
      expect(requests({ surface: "scim", route: "unmatched", method: "GET", status: "404" })).toBe(1);
      expect(requests({ surface: "other", route: "unmatched", method: "GET", status: "404" })).toBe(1);
      expect(requests({ surface: "graphql", route: "/graphql", method: "POST", status: "200" })).toBe(2);
      expect(requests({ surface: "health", route: "/healthz", method: "GET", status: "200" })).toBe(1);

      const duration = { surface: "scim", route: "/scim/v2/Users/:id", method: "GET" };
      expect(valueOf(all, "idgraph_http_request_duration_seconds_count", duration)).toBe(2);
      expect(valueOf(all, "idgraph_http_request_duration_seconds_bucket", { ...duration, le: "+Inf" })).toBe(2);
      expect(valueOf(all, "idgraph_http_request_duration_seconds_sum", duration)).toBeGreaterThan(0);
    });

    it("tells the size of each group-committed batch of creates", async () => {
      const organizationId = (await server.graphql(`mutation { createOrganization(input: {name: "Batch"}) { id } }`)).createOrganization.id;
      const token = (await server.graphql(`mutation($o: ID!) { createScimToken(input: {organizationId: $o, name: "idp"}) { secret } }`, { o: organizationId }))
        .createScimToken.secret;
      const before = await scrape();
      const creates = Array.from({ length: 12 }, (_, i) =>
        server.call("POST", "/scim/v2/Users", token, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `u${i}@batch.test` }, "application/scim+json"));
      expect((await Promise.all(creates)).map((r) => r.status)).toEqual(Array(12).fill(201));
      const after = await scrape();
      const delta = (name: string) => (valueOf(after, name) ?? 0) - (valueOf(before, name) ?? 0);
      // Every create is one command of some batch; concurrent ones may share a transaction.
      expect(delta("idgraph_write_batch_size_sum")).toBe(12);
      expect(delta("idgraph_write_batch_size_count")).toBeGreaterThanOrEqual(1);
      expect(delta("idgraph_write_batch_size_count")).toBeLessThanOrEqual(12);
      expect(valueOf(after, "idgraph_write_batch_size_bucket", { le: "64" })).toBe(valueOf(after, "idgraph_write_batch_size_count"));

      // As test/integration/group-commit.test.ts shows: four commands handed over in one turn of
      // the event loop share one transaction.
      const command = (userName: string) => {
        const em = server.built.orm.em.fork();
        const user = Object.assign(new User(), { organization: em.getReference(Organization, organizationId), userName, userNameKey: userName });
        return [user, auditEvent(CLI_ACTOR, { type: "user.create", organizationId, targetType: "user", targetId: user.id, data: { userName } })];
      };
      await Promise.all(["a", "b", "c", "d"].map((n) => storeOf(server.built.orm.em).insertAll(server.built.orm.em.fork(), command(`${n}@batch.test`))));
      const queued = await scrape();
      const bucket = (all: Sample[], le: string) => valueOf(all, "idgraph_write_batch_size_bucket", { le }) ?? 0;
      expect([1, 2, 4].map((le) => bucket(queued, String(le)) - bucket(after, String(le)))).toEqual([0, 0, 1]);
      expect(valueOf(queued, "idgraph_write_batch_size_sum")! - valueOf(after, "idgraph_write_batch_size_sum")!).toBe(4);
    });

    it("reads the database pools at scrape time", async () => {
      const all = await scrape();
      const pools = testDatabaseKind() === "sqlite" ? ["write", "read-1", "read-2", "read-3", "store-read"] : ["write", "store-read"];
      expect(all.filter((s) => s.name === "idgraph_db_pool_connections_max").map((s) => s.labels.pool)).toEqual(pools);
      for (const pool of pools) {
        expect(valueOf(all, "idgraph_db_pool_connections_in_use", { pool })).toBeGreaterThanOrEqual(0);
        expect(valueOf(all, "idgraph_db_pool_connections_free", { pool })).toBeGreaterThanOrEqual(0);
        expect(valueOf(all, "idgraph_db_pool_pending_acquires", { pool })).toBe(0);
      }
      // PostgreSQL's 10 connections: 7 in MikroORM's pool, 3 the store's readers.
      expect(valueOf(all, "idgraph_db_pool_connections_max", { pool: "write" })).toBe(testDatabaseKind() === "sqlite" ? 1 : 7);
      expect(valueOf(all, "idgraph_db_pool_connections_max", { pool: "store-read" })).toBe(3);
    });

    it("includes the process's metrics", async () => {
      const names = new Set((await scrape()).map((s) => s.name));
      expect(names).toContain("process_cpu_user_seconds_total");
      expect(names).toContain("nodejs_heap_size_used_bytes");
      expect(names).toContain("nodejs_eventloop_lag_seconds");
      if (process.platform === "linux") expect(names).toContain("process_resident_memory_bytes");
    });

    it("has both rate-limit series from the start, at 0", async () => {
      const all = await scrape();
      expect(valueOf(all, "idgraph_rate_limit_rejections_total", { limit: "membership" })).toBe(0);
      expect(valueOf(all, "idgraph_rate_limit_rejections_total", { limit: "credential" })).toBe(0);
    });
  });

  describe("with rate limits", () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    beforeAll(async () => {
      server = await startServer({ metricsEnabled: true, membershipRatePerSecond: 1, membershipBurst: 1, credentialRatePerSecond: 1, credentialBurst: 10 });
    });
    afterAll(async () => server.close());

    const rejections = async (limit: string) =>
      valueOf(samples(await (await server.call("GET", "/metrics", null)).text()), "idgraph_rate_limit_rejections_total", { limit });
    const rateLimited = (body: { errors?: Array<{ extensions?: { code?: string } }> }) => body.errors?.some((e) => e.extensions?.code === "RATE_LIMITED") ?? false;

    it("counts each membership change the organization's limit refuses", async () => {
      const organizationId = (await server.graphql(`mutation { createOrganization(input: {name: "Acme"}) { id } }`)).createOrganization.id;
      const groupId = (await server.graphql(`mutation($o: ID!) { createGroup(input: {organizationId: $o, displayName: "Staff"}) { id } }`, { o: organizationId })).createGroup.id;
      const userIds: string[] = [];
      for (const name of ["a", "b", "c"]) {
        userIds.push((await server.graphql(`mutation($i: CreateUserInput!) { createUser(input: $i) { id } }`, { i: { organizationId, userName: `${name}@acme.test` } })).createUser.id);
      }
      // A burst of 1: of three adds sent at once, at least two are refused.
      const adds = await Promise.all(userIds.map(async (u) =>
        (await server.call("POST", "/graphql", server.adminKey, { query: `mutation($g: ID!, $u: ID!) { addGroupMember(input: {groupId: $g, userId: $u}) { id } }`, variables: { g: groupId, u } })).json() as Promise<{ errors?: Array<{ extensions?: { code?: string } }> }>));
      const refused = adds.filter(rateLimited).length;
      expect(refused).toBeGreaterThanOrEqual(2);
      expect(await rejections("membership")).toBe(refused);
    });

    it("counts each request the per-credential limit refuses", async () => {
      const key = (await createApiKey({ em: server.built.orm.em.fork(), actor: CLI_ACTOR }, { name: "busy", role: "READER", organizationId: null })).secret;
      const responses = await Promise.all(Array.from({ length: 20 }, () => server.call("POST", "/graphql", key, { query: "{ __typename }" })));
      const refused = responses.filter((r) => r.status === 429).length;
      await Promise.all(responses.map((r) => r.text()));
      // A burst of 10 at 1 per second: 20 requests sent at once cannot all pass.
      expect(refused).toBeGreaterThanOrEqual(5);
      expect(await rejections("credential")).toBe(refused);
    });
  });

  describe("with webhooks", () => {
    let server: Awaited<ReturnType<typeof startServer>>;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      const defaults = loadConfig({}).events;
      server = await startServer({
        metricsEnabled: true,
        events: { ...defaults, pollMs: 50, allowPrivateNetworks: true, allowHttp: true, secretKey: randomBytes(32).toString("base64"), retryBaseMs: 10_000 },
      });
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await server.close();
      await receiver.close();
    });

    it("counts the dispatcher's attempts by outcome, how long receivers took, and how long after their events deliveries came", async () => {
      const scrape = async () => samples(await (await server.call("GET", "/metrics", null)).text());
      const before = await scrape();
      for (const outcome of ["delivered", "failed", "unsendable"]) expect(valueOf(before, "idgraph_webhook_attempts_total", { outcome })).toBe(0);

      const org = (await server.graphql(`mutation { createOrganization(input: {name: "Hooked"}) { id } }`)).createOrganization.id as string;
      await server.graphql(`mutation($o: ID!, $u: String!) { createWebhookEndpoint(input: {organizationId: $o, url: $u, eventTypes: ["account.create"]}) { secret } }`, { o: org, u: receiver.url });
      // The first account's event is answered 503, the second's 204: one failed attempt, one delivered.
      receiver.answer((request) => (request.json.data.targetId === first ? 503 : 204));
      const first = (await server.graphql(`mutation($o: ID!) { createAccount(input: {organizationId: $o, name: "one"}) { id } }`, { o: org })).createAccount.id as string;
      await server.graphql(`mutation($o: ID!) { createAccount(input: {organizationId: $o, name: "two"}) { id } }`, { o: org });
      await receiver.waitFor((received) => received.length === 2);

      let after = await scrape();
      for (let tries = 0; tries < 100 && (valueOf(after, "idgraph_webhook_attempts_total", { outcome: "delivered" }) ?? 0) < 1; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await scrape();
      }
      expect(valueOf(after, "idgraph_webhook_attempts_total", { outcome: "delivered" })).toBe(1);
      expect(valueOf(after, "idgraph_webhook_attempts_total", { outcome: "failed" })).toBe(1);
      expect(valueOf(after, "idgraph_webhook_attempt_duration_seconds_count")).toBe(2);
      // Only the delivered attempt has a lag, and it is within the test's own time.
      expect(valueOf(after, "idgraph_webhook_delivery_lag_seconds_count")).toBe(1);
      const lag = valueOf(after, "idgraph_webhook_delivery_lag_seconds_sum") ?? -1;
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(30);
    });
  });

  describe("with METRICS_TOKEN", () => {
    const token = "scrape-me-0123456789abcdef";
    const logLines: string[] = [];
    let server: Awaited<ReturnType<typeof startServer>>;
    beforeAll(async () => {
      server = await startServer({ metricsEnabled: true, metricsToken: token, logLevel: "trace" }, { logStream: { write: (line) => { logLines.push(line); } } });
    });
    afterAll(async () => server.close());

    it("answers 401 without the token, with another one or another scheme, and 200 with it", async () => {
      const withHeader = (authorization: string | null) =>
        fetch(`${server.url}/metrics`, { headers: authorization === null ? {} : { authorization } });
      for (const authorization of [null, "Bearer wrong", `Bearer ${token}x`, `Basic ${Buffer.from(`x:${token}`).toString("base64")}`, token]) {
        const refused = await withHeader(authorization);
        expect(refused.status).toBe(401);
        expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="idgraph metrics"');
        expect(await refused.text()).not.toContain("idgraph_");
      }
      const allowed = await withHeader(`Bearer ${token}`);
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain("idgraph_http_requests_total");
    });

    it("never writes the token to the log", async () => {
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join("\n")).not.toContain(token);
    });
  });
});
