import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { EventConfig } from "../../src/config";
import { pruneEvents } from "../../src/domain/events/retention";
import { fixtures } from "../helpers/graph-fixtures";
import { startTestServer, type TestServer } from "../helpers/server";
import { startReceiver, type Received, type WebhookReceiver } from "../helpers/webhook-receiver";

/** Fast retries, a tight poll and a receiver on 127.0.0.1 (allowed here only). */
const FAST: Partial<EventConfig> = {
  dispatch: true, pollMs: 50, allowPrivateNetworks: true, allowHttp: true, retryBaseMs: 40, retryMaxMs: 200, retryWindowHours: 1,
  connectTimeoutMs: 1_000, responseTimeoutMs: 1_000, secretKey: randomBytes(32).toString("base64"),
};

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes enabled } }
}`;
const DELIVERIES = `query($e: ID!, $s: WebhookDeliveryStatus) {
  webhookDeliveries(endpointId: $e, status: $s, first: 100) {
    nodes { id eventId eventType status attempts lastStatus lastError deliveredAt attemptLog { status error } event { id type } }
  }
}`;
const EVENTS = `query($o: ID!, $after: String, $types: [String!], $first: Int) {
  events(organizationId: $o, after: $after, types: $types, first: $first) {
    edges { cursor node { id position type occurredAt targetId data } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** Retries `check` until it passes (the dispatcher records an outcome just after the receiver answers). */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Verifies a delivery as a receiver would, with the Standard Webhooks library. */
function verify(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, {
    "webhook-id": request.headers["webhook-id"] as string,
    "webhook-timestamp": request.headers["webhook-timestamp"] as string,
    "webhook-signature": request.headers["webhook-signature"] as string,
  });
}

describe("webhooks", () => {
  let server: TestServer;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    server = await startTestServer({ config: { events: { ...FAST, disableAfterFailures: 6 } } });
  });
  afterAll(async () => server.close());
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => receiver.close());

  async function endpoint(organizationId: string, eventTypes: string[] | null = null): Promise<{ id: string; secret: string }> {
    const { createWebhookEndpoint } = await server.ok(CREATE_ENDPOINT, { input: { organizationId, url: receiver.url, eventTypes } });
    return { id: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
  }

  it("delivers the subscribed events, signed per Standard Webhooks, with the event as the feed gives it", async () => {
    const f = fixtures(server);
    const org = await f.organization("Hooks");
    const { secret } = await endpoint(org, ["user.create", "user.update"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const ada = await f.user(org, "ada@hooks.test");
    await f.group(org, "Not subscribed");
    await server.ok(`mutation($id: ID!) { updateUser(input: {id: $id, displayName: "Ada L."}) { id } }`, { id: ada });
    await receiver.waitFor((r) => r.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.map((r) => r.json.type)).toEqual(["user.create", "user.update"]);
    for (const request of receiver.received) {
      expect(verify(secret, request)).toEqual(request.json);
      expect(request.headers["webhook-id"]).toBe(request.json.data.id);
      expect(request.headers["content-type"]).toMatch(/application\/json/);
    }
    const [created] = receiver.received;
    expect(created.json.data).toMatchObject({ type: "user.create", organizationId: org, targetType: "user", targetId: ada, actorType: "api_key", position: expect.any(Number) });
    // The same event, the same shape, in the feed.
    const feed = await server.ok(EVENTS, { o: org, types: ["user.create"] });
    expect(feed.events.edges[0].node).toMatchObject({ id: created.json.data.id, position: created.json.data.position, targetId: ada });
    // A wrong secret does not verify.
    expect(() => verify(`whsec_${randomBytes(32).toString("base64")}`, created)).toThrow();
  });

  it("sends each event exactly as the feed gives it: every field, data as stored (unicode, nesting, nulls)", async () => {
    const f = fixtures(server);
    const org = await f.organization("Rendered");
    await endpoint(org);
    const user = await f.user(org, "zoë@rendered.test");
    const name = 'Zoë "Ångström" 山田 🚀 \u2028 \\';
    await server.ok(`mutation($id: ID!, $n: String!) { updateUser(input: {id: $id, displayName: $n}) { id } }`, { id: user, n: name });
    await f.group(org, "Ops / Ünïcode");
    await receiver.waitFor((r) => r.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const feed = await server.ok(`query($o: ID!) {
      events(organizationId: $o, first: 50) { nodes { id position type occurredAt organizationId actorType actorId targetType targetId data } }
    }`, { o: org });
    const byId = new Map(feed.events.nodes.map((node: { id: string }) => [node.id, node]));
    // (PostgreSQL sequences after commit: the organization's and the endpoint's own events may come too.)
    expect(receiver.received.map((r) => r.json.type)).toEqual(expect.arrayContaining(["group.create", "user.create", "user.update"]));
    for (const request of receiver.received) {
      expect(Object.keys(request.json)).toEqual(["type", "timestamp", "data"]);
      expect(Object.keys(request.json.data)).toEqual(["id", "position", "type", "occurredAt", "organizationId", "actorType", "actorId", "targetType", "targetId", "data"]);
      expect(request.json.data).toEqual(byId.get(request.json.data.id));
      expect(request.json.timestamp).toBe(request.json.data.occurredAt);
      expect(request.json.type).toBe(request.json.data.type);
    }
    const renamed = receiver.received.find((r) => r.json.type === "user.update");
    expect(JSON.stringify(renamed?.json.data.data)).toContain(JSON.stringify(name));
  });

  it("retries a failing receiver with back-off and the same webhook-id, then logs the delivery as succeeded", async () => {
    const f = fixtures(server);
    const org = await f.organization("Flaky");
    const { id: endpointId } = await endpoint(org, ["user.create"]);
    receiver.answer((_, index) => (index < 2 ? 503 : 200));
    await f.user(org, "grace@flaky.test");
    await receiver.waitFor((r) => r.length >= 3);
    const delivered = async () => (await server.ok(DELIVERIES, { e: endpointId })).webhookDeliveries.nodes;
    await eventually(async () => expect((await delivered())[0].status).toBe("SUCCEEDED"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).toBe(1);
    // The success ends the endpoint's run of failures (two, recorded by the rounds before it).
    const endpointNow = await server.ok(`query($id: ID!) { webhookEndpoint(id: $id) { enabled consecutiveFailures } }`, { id: endpointId });
    expect(endpointNow.webhookEndpoint).toEqual({ enabled: true, consecutiveFailures: 0 });
    const nodes = await delivered();
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({
      status: "SUCCEEDED", attempts: 3, lastStatus: 200, lastError: null, event: { type: "user.create" },
      attemptLog: [{ status: 503 }, { status: 503 }, { status: 200, error: null }],
    });
  });

  it("keeps the last 20 attempts of a delivery in its log, the attempts counted past it", async () => {
    // A server of its own: this receiver fails more often than the suite's server disables after.
    const patient = await startTestServer({ config: { events: { ...FAST, retryBaseMs: 10, retryMaxMs: 20, disableAfterFailures: 100 } } });
    try {
      const org = await fixtures(patient).organization("Patient");
      const { createWebhookEndpoint } = await patient.ok(CREATE_ENDPOINT, { input: { organizationId: org, url: receiver.url, eventTypes: ["user.create"] } });
      receiver.answer((_, index) => (index < 22 ? 500 + (index % 4) : 200));
      await fixtures(patient).user(org, "hopper@patient.test");
      await receiver.waitFor((r) => r.length >= 23, 20_000);
      const delivered = async () => (await patient.ok(DELIVERIES, { e: createWebhookEndpoint.endpoint.id })).webhookDeliveries.nodes;
      await eventually(async () => expect((await delivered())[0].status).toBe("SUCCEEDED"));
      const [node] = await delivered();
      expect(node.attempts).toBe(23);
      // Attempts 4 to 23: the three oldest dropped, in order, the success last.
      expect(node.attemptLog.map((a: { status: number }) => a.status)).toEqual([...Array.from({ length: 19 }, (_, i) => 500 + ((i + 3) % 4)), 200]);
    } finally {
      await patient.close();
    }
  });

  it("delivers one user's events in order: a later event waits while an earlier one is retried", async () => {
    const f = fixtures(server);
    const org = await f.organization("Ordered");
    await endpoint(org, ["user.create", "user.update"]);
    let failuresLeft = 3;
    receiver.answer((request) => (request.json.type === "user.create" && failuresLeft-- > 0 ? 500 : 200));
    const user = await f.user(org, "linus@ordered.test");
    for (const name of ["One", "Two", "Three"]) {
      await server.ok(`mutation($id: ID!, $n: String!) { updateUser(input: {id: $id, displayName: $n}) { id } }`, { id: user, n: name });
    }
    await receiver.waitFor((r) => r.filter((x) => x.json.type === "user.update").length >= 3);
    const succeeded = receiver.received.filter((r, i) => !(r.json.type === "user.create" && i < 3));
    expect(succeeded.map((r) => r.json.type)).toEqual(["user.create", "user.update", "user.update", "user.update"]);
    const positions = succeeded.map((r) => r.json.data.position as number);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Nothing of the user arrived before its create had succeeded.
    const firstUpdate = receiver.received.findIndex((r) => r.json.type === "user.update");
    expect(receiver.received.slice(0, firstUpdate).filter((r) => r.json.type === "user.create")).toHaveLength(4);
  });

  it("counts failures in a row per endpoint: a failing endpoint's run grows while another's successes in the same rounds keep it at 0", async () => {
    const f = fixtures(server);
    const [down, up] = [await f.organization("Failing side"), await f.organization("Healthy side")];
    const failing = await endpoint(down, ["user.create"]);
    const healthy = await endpoint(up, ["user.create"]);
    receiver.answer((request) => (request.json.data.organizationId === down ? 500 : 204));
    await Promise.all([f.user(down, "a@failing.test"), f.user(down, "b@failing.test"), f.user(up, "a@healthy.test"), f.user(up, "b@healthy.test")]);
    const state = async (id: string) => (await server.ok(`query($id: ID!) { webhookEndpoint(id: $id) { enabled consecutiveFailures } }`, { id })).webhookEndpoint;
    for (let i = 0; i < 200 && (await state(failing.id)).enabled; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await state(failing.id)).toEqual({ enabled: false, consecutiveFailures: 6 });
    expect(await state(healthy.id)).toEqual({ enabled: true, consecutiveFailures: 0 });
    expect(receiver.received.filter((r) => r.json.data.organizationId === up)).toHaveLength(2);
  });

  it("shares the dispatcher's slots among endpoints: a slow endpoint's backlog does not hold back another organization's events", async () => {
    const shared = await startTestServer({ config: { events: { ...FAST, concurrency: 4 } } });
    const slow = await startReceiver();
    try {
      slow.answer(() => new Promise((resolve) => setTimeout(() => resolve(200), 300)));
      const f = fixtures(shared);
      const busy = await f.organization("Busy");
      const quiet = await f.organization("Quiet");
      const subscribe = (organizationId: string, url: string) => shared.ok(CREATE_ENDPOINT, { input: { organizationId, url, eventTypes: ["user.create"] } });
      await subscribe(busy, slow.url);
      await subscribe(quiet, receiver.url);
      for (let i = 0; i < 16; i++) await f.user(busy, `u${i}@busy.test`);
      await slow.waitFor((r) => r.length >= 1);
      await f.user(quiet, "first@quiet.test");
      await receiver.waitFor((r) => r.length >= 1);
      // Claimed in event order, the quiet organization's event waited behind all 16 (4 at a time,
      // 300 ms each); shared, it goes out as soon as the slow endpoint's first attempts end.
      expect(slow.received.length).toBeLessThanOrEqual(10);
      await slow.waitFor((r) => r.length >= 16);
      expect(new Set(slow.received.map((r) => r.json.data.targetId)).size).toBe(16);
    } finally {
      await slow.close();
      await shared.close();
    }
  });

  it("disables an endpoint after a run of failures, with an event saying so, and enabling it resumes delivery", async () => {
    const f = fixtures(server);
    const org = await f.organization("Down");
    const { id: endpointId } = await endpoint(org, ["user.create"]);
    receiver.answer(() => 500);
    await f.user(org, "down@down.test");
    await receiver.waitFor((r) => r.length >= 6);
    const disabled = async () => (await server.ok(`query($id: ID!) { webhookEndpoint(id: $id) { enabled disabledReason consecutiveFailures } }`, { id: endpointId })).webhookEndpoint;
    for (let i = 0; i < 100 && (await disabled()).enabled; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await disabled()).toMatchObject({ enabled: false, disabledReason: "6 failed attempts in a row", consecutiveFailures: 6 });
    const feed = await server.ok(EVENTS, { o: org, types: ["webhook_endpoint.disabled"] });
    expect(feed.events.edges.map((e: { node: { targetId: string; data: unknown } }) => e.node)).toEqual([
      expect.objectContaining({ targetId: endpointId, data: { url: receiver.url, consecutiveFailures: 6 } }),
    ]);
    const attemptsWhileDisabled = receiver.received.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(attemptsWhileDisabled);

    receiver.answer(() => 200);
    await server.ok(`mutation($id: ID!) { updateWebhookEndpoint(input: {id: $id, enabled: true}) { enabled } }`, { id: endpointId });
    await receiver.waitFor((r) => r.length > attemptsWhileDisabled);
    await eventually(async () => expect((await server.ok(DELIVERIES, { e: endpointId, s: "SUCCEEDED" })).webhookDeliveries.nodes).toHaveLength(1));
  });

  it("signs with both secrets while a rotation overlaps, and with the new one only after an overlap of 0", async () => {
    const f = fixtures(server);
    const org = await f.organization("Rotate");
    const first = await endpoint(org, ["user.create"]);
    const rotate = `mutation($id: ID!, $o: Int) { rotateWebhookEndpointSecret(input: {id: $id, overlapSeconds: $o}) { secret endpoint { previousSecretExpiresAt } } }`;
    const second = (await server.ok(rotate, { id: first.id, o: 3600 })).rotateWebhookEndpointSecret;
    expect(second.secret).not.toBe(first.secret);
    expect(new Date(second.endpoint.previousSecretExpiresAt).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    await f.user(org, "one@rotate.test");
    await receiver.waitFor((r) => r.length >= 1);
    const [overlapping] = receiver.received;
    expect((overlapping.headers["webhook-signature"] as string).split(" ")).toHaveLength(2);
    expect(verify(first.secret, overlapping)).toEqual(overlapping.json);
    expect(verify(second.secret, overlapping)).toEqual(overlapping.json);

    const third = (await server.ok(rotate, { id: first.id, o: 0 })).rotateWebhookEndpointSecret;
    await f.user(org, "two@rotate.test");
    await receiver.waitFor((r) => r.length >= 2);
    const after = receiver.received[1];
    expect((after.headers["webhook-signature"] as string).split(" ")).toHaveLength(1);
    expect(verify(third.secret, after)).toEqual(after.json);
    expect(() => verify(second.secret, after)).toThrow();
  });

  it("signs only with the endpoint's own secret: a sealed secret copied into another endpoint's row does not open there", async () => {
    const f = fixtures(server);
    const victimOrg = await f.organization("Victim");
    const attackerOrg = await f.organization("Attacker");
    const victim = await endpoint(victimOrg, ["user.create"]);
    const attacker = await endpoint(attackerOrg, ["user.create"]);
    // Someone who can write the database, but has not WEBHOOK_SECRET_KEY, gives their endpoint the victim's sealed secret.
    const em = server.built.orm.em.fork();
    const [victimRow] = await em.getConnection().execute(`select sealed_secret from webhook_endpoint where id = ?`, [victim.id]);
    await em.getConnection().execute(`update webhook_endpoint set sealed_secret = ? where id = ?`, [victimRow.sealed_secret, attacker.id]);
    await f.user(attackerOrg, "bait@attacker.test");
    await eventually(async () => {
      const [delivery] = (await server.ok(DELIVERIES, { e: attacker.id })).webhookDeliveries.nodes;
      expect(delivery?.lastError).toMatch(/signing secret cannot be opened/);
    });
    // Nothing signed with the victim's secret (or any other) reached a receiver.
    expect(receiver.received).toEqual([]);
  });

  it("replays a delivery with the same webhook-id, on an admin's request", async () => {
    const f = fixtures(server);
    const org = await f.organization("Replay");
    const { id: endpointId } = await endpoint(org, ["user.create"]);
    await f.user(org, "again@replay.test");
    await receiver.waitFor((r) => r.length >= 1);
    await eventually(async () => expect((await server.ok(DELIVERIES, { e: endpointId })).webhookDeliveries.nodes[0].status).toBe("SUCCEEDED"));
    const delivery = (await server.ok(DELIVERIES, { e: endpointId })).webhookDeliveries.nodes[0];
    const replayed = await server.ok(`mutation($id: ID!) { replayWebhookDelivery(id: $id) { id status attempts } }`, { id: delivery.id });
    expect(replayed.replayWebhookDelivery).toMatchObject({ id: delivery.id, status: "PENDING", attempts: 0 });
    await receiver.waitFor((r) => r.length >= 2);
    expect(receiver.received[1].headers["webhook-id"]).toBe(receiver.received[0].headers["webhook-id"]);
    expect(receiver.received[1].body).toBe(receiver.received[0].body);
  });

  it("gives the feed gap-free in position order, pages with `after`, filters by type, and refuses unknown types", async () => {
    const f = fixtures(server);
    const org = await f.organization("Feed");
    const users = [];
    for (let i = 0; i < 7; i += 1) users.push(await f.user(org, `u${i}@feed.test`));
    const seen: Array<{ position: number; type: string; targetId: string }> = [];
    let after: string | null = null;
    for (;;) {
      const page: { events: { edges: Array<{ node: { position: number; type: string; targetId: string } }>; pageInfo: { endCursor: string | null; hasNextPage: boolean } } } =
        await server.ok(EVENTS, { o: org, after, first: 3 });
      seen.push(...page.events.edges.map((e) => e.node));
      if (!page.events.pageInfo.hasNextPage) break;
      after = page.events.pageInfo.endCursor;
    }
    expect(seen.map((e) => e.type)).toEqual(["organization.create", ...users.map(() => "user.create")]);
    expect(seen.filter((e) => e.type === "user.create").map((e) => e.targetId)).toEqual(users);
    for (let i = 1; i < seen.length; i += 1) expect(seen[i].position).toBeGreaterThan(seen[i - 1].position);
    // A reader resuming from its last cursor gets exactly what came after.
    await f.user(org, "late@feed.test");
    const next = await server.ok(EVENTS, { o: org, after: (await server.ok(EVENTS, { o: org, first: 8 })).events.pageInfo.endCursor });
    expect(next.events.edges.map((e: { node: { type: string } }) => e.node.type)).toEqual(["user.create"]);

    const unknown = await server.gql(EVENTS, { o: org, types: ["user.created"] });
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" }, message: expect.stringContaining('"user.created" is not an event type') });
  });

  it("prunes events past the retention period, and positions carry on after them (never reused)", async () => {
    const f = fixtures(server);
    const org = await f.organization("Retained");
    await f.user(org, "old@retained.test");
    const before = (await server.ok(EVENTS, { o: org })).events.edges.map((e: { node: { position: number } }) => e.node.position);
    expect(before.length).toBeGreaterThan(0);
    // Everything created up to now is past a retention that ends a second from now.
    expect(await pruneEvents(server.built.orm.em.fork(), new Date(Date.now() + 1_000))).toBeGreaterThanOrEqual(before.length);
    expect((await server.ok(EVENTS, { o: org })).events.edges).toEqual([]);
    await f.user(org, "new@retained.test");
    const after = (await server.ok(EVENTS, { o: org })).events.edges.map((e: { node: { position: number; type: string } }) => e.node);
    expect(after.map((e: { type: string }) => e.type)).toEqual(["user.create"]);
    expect(after[0].position).toBeGreaterThan(Math.max(...before));
  });

  it("keeps endpoints, deliveries and events within their organization", async () => {
    const f = fixtures(server);
    const mine = await f.organization("Mine");
    const theirs = await f.organization("Theirs");
    const { id: theirEndpoint } = await endpoint(theirs);
    const key = await server.createKey("ADMIN", mine);
    const probes = [
      server.gql(`query($id: ID!) { webhookEndpoint(id: $id) { id } }`, { id: theirEndpoint }, key),
      server.gql(DELIVERIES, { e: theirEndpoint }, key),
      server.gql(EVENTS, { o: theirs }, key),
      server.gql(`query($o: ID!) { webhookEndpoints(organizationId: $o) { nodes { id } } }`, { o: theirs }, key),
      server.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: theirEndpoint }, key),
      server.gql(CREATE_ENDPOINT, { input: { organizationId: theirs, url: receiver.url } }, key),
    ];
    for (const answer of await Promise.all(probes)) expect(answer.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const reader = await server.createKey("READER", theirs);
    const write = await server.gql(CREATE_ENDPOINT, { input: { organizationId: theirs, url: receiver.url } }, reader);
    expect(write.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Secrets are never readable after creation.
    const listed = await server.gql(`query($o: ID!) { webhookEndpoints(organizationId: $o) { nodes { secret } } }`, { o: theirs });
    expect(listed.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses bad endpoints with BAD_USER_INPUT: unknown event types, and private targets unless allowed", async () => {
    const org = await fixtures(server).organization("Refused");
    const typo = await server.gql(CREATE_ENDPOINT, { input: { organizationId: org, url: receiver.url, eventTypes: ["scim.member.created"] } });
    expect(typo.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" }, message: expect.stringContaining('"scim.member.created" is not an event type') });

    const strict = await startTestServer({ config: { events: { secretKey: FAST.secretKey } } });
    try {
      const strictOrg = await fixtures(strict).organization("Strict");
      for (const url of [receiver.url, "https://127.0.0.1/hooks", "https://169.254.169.254/latest", "https://[::1]/x", "http://example.com/hooks", "https://user:pw@example.com/"]) {
        const answer = await strict.gql(CREATE_ENDPOINT, { input: { organizationId: strictOrg, url } });
        expect({ url, code: answer.errors?.[0]?.extensions?.code }).toEqual({ url, code: "BAD_USER_INPUT" });
      }
      expect((await strict.gql(CREATE_ENDPOINT, { input: { organizationId: strictOrg, url: "https://hooks.example.com/idgraph" } })).errors).toBeUndefined();
    } finally {
      await strict.close();
    }
  });
});
