import { randomBytes } from "node:crypto";
import type { ChildProcess } from "node:child_process";
import { startFleet, startServer, stopProcess, type Fleet } from "../helpers/fleet";
import { fixtures } from "../helpers/graph-fixtures";
import { startReceiver, type WebhookReceiver } from "../helpers/webhook-receiver";

/** Real `idgraph serve` processes delivering to a receiver on 127.0.0.1, with short timeouts. */
const ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true", WEBHOOK_ALLOW_HTTP: "true", WEBHOOK_POLL_MS: "50", WEBHOOK_RETRY_BASE_MS: "50", WEBHOOK_RETRY_MAX_MS: "200",
  // A claim's lease is 2 × (connect + response timeouts) + 5 s: 7 s here.
  WEBHOOK_CONNECT_TIMEOUT_MS: "500", WEBHOOK_RESPONSE_TIMEOUT_MS: "500",
  WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"),
};

const CREATE_ENDPOINT = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`;

describe("webhook dispatch across processes", () => {
  let fleet: Fleet | undefined;
  let receiver: WebhookReceiver;
  const extra: ChildProcess[] = [];

  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await Promise.all(extra.splice(0).map(stopProcess));
    await fleet?.close();
    fleet = undefined;
    await receiver.close();
  });

  it("delivers each event once when two processes dispatch from one database", async () => {
    fleet = await startFleet(2, ENV);
    const [a, b] = fleet.members;
    const org = await fixtures(a).organization("Fleet hooks");
    await a.ok(CREATE_ENDPOINT, { input: { organizationId: org, url: receiver.url, eventTypes: ["user.create"] } });
    const users = 40;
    await Promise.all(Array.from({ length: users }, (_, i) => fixtures(i % 2 ? a : b).user(org, `fleet${i}@hooks.test`)));
    await receiver.waitFor((r) => r.length >= users);
    // Time for a second, duplicate delivery to arrive, were there one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const ids = receiver.received.map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(users);
    expect(new Set(ids).size).toBe(users);
  });

  it("loses nothing when a process is killed mid-delivery: a restarted one delivers every event, with the same ids", async () => {
    fleet = await startFleet(1, ENV);
    const [first] = fleet.members;
    const org = await fixtures(first).organization("Killed");
    await first.ok(CREATE_ENDPOINT, { input: { organizationId: org, url: receiver.url, eventTypes: ["user.create"] } });
    // The receiver holds every request open: the process dies with its deliveries in flight.
    receiver.answer(() => new Promise<number>(() => undefined));
    const userIds = [];
    for (let i = 0; i < 5; i += 1) userIds.push(await fixtures(first).user(org, `killed${i}@hooks.test`));
    await receiver.waitFor((r) => r.length >= 1);
    first.process.kill("SIGKILL");
    await new Promise((resolve) => first.process.once("exit", resolve));
    const inFlightIds = new Set(receiver.received.map((r) => r.headers["webhook-id"]));

    receiver.answer(() => 200);
    const restarted = await startServer({ ...process.env, ...ENV, DATABASE_URL: fleet.database.url, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" });
    extra.push(restarted.process);
    const seen = () => new Set(receiver.received.slice(inFlightIds.size).map((r) => r.json.data.targetId));
    await receiver.waitFor(() => seen().size >= userIds.length, 30_000);
    expect([...seen()].sort()).toEqual([...userIds].sort());
    // What was in flight when the process died comes again with the same webhook-id.
    const redelivered = new Set(receiver.received.slice(inFlightIds.size).map((r) => r.headers["webhook-id"]));
    for (const id of inFlightIds) expect(redelivered.has(id)).toBe(true);
  }, 60_000);
});
