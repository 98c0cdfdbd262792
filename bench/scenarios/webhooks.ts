import { randomBytes } from "node:crypto";
import type { MikroORM } from "@mikro-orm/core";
import { CLI_ACTOR } from "../../src/domain/actor";
import { eventsAwaitSequencing, sequenceEvents } from "../../src/domain/events/sequence";
import { createWebhookEndpoint } from "../../src/domain/webhooks/endpoints";
import { DEFAULT_RETRY_SCHEDULE } from "../../src/domain/webhooks/retry-schedule";
import { parseSecretKey } from "../../src/domain/webhooks/signing-secrets";
import { WebhookDelivery } from "../../src/store/entities";
import { alternatingRounds, measureRequest, type LoadResult } from "../load";
import type { BenchTenant } from "../tenant";
import { ReceiverProcess } from "../webhook-receiver";
import { createUserRequest, type Target } from "./scim";

export interface WebhookBenchResult {
  /** scim.create with no endpoint, and with one endpoint subscribed to the creates, in alternating rounds. */
  createWithout: LoadResult;
  createWith: LoadResult;
  /** Deliveries the receiver got, and their rate over the rounds with the endpoint, each until its backlog drained. */
  delivered: number;
  deliveriesPerSecond: number;
  /** From an event's occurredAt (its command's commit, near enough) to the receiver reading it. */
  lagP50Ms: number;
  lagP99Ms: number;
  /** How long after a round's last create the receiver still got deliveries (the backlog), on average. */
  drainSeconds: number;
}

/** How long a round's deliveries may take to drain before the bench gives up on the server. */
const DRAIN_TIMEOUT_MS = 120_000;

/** Whether events wait for their positions, or deliveries of the endpoint wait to be made (or recorded). */
async function deliveriesWait(orm: MikroORM, endpointId: string): Promise<boolean> {
  const em = orm.em.fork();
  return (await eventsAwaitSequencing(em)) || (await em.count(WebhookDelivery, { endpoint: endpointId, status: "pending" })) > 0;
}

/** The key the bench's server seals secrets with (WEBHOOK_SECRET_KEY), and the env that lets it reach a receiver on 127.0.0.1. */
export function webhookBenchEnv(): Record<string, string> {
  return { WEBHOOK_SECRET_KEY: randomBytes(32).toString("base64"), WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true", WEBHOOK_ALLOW_HTTP: "true" };
}

/**
 * webhooks: what delivery costs the write path, and what it delivers. scim.create runs in
 * alternating rounds on the same server, first with no endpoint in the organization, then with one
 * endpoint (a receiver on 127.0.0.1 answering 204) subscribed to the creates' events; the rounds
 * alternate by toggling the endpoint's enabled flag, so both see the same directory and machine.
 * The receiver runs in a process of its own (webhook-receiver.ts).
 * Then it waits for the backlog to drain and reports deliveries per second and the lag.
 */
export async function webhookBench(
  orm: MikroORM, tenant: BenchTenant, target: Target, env: Record<string, string>,
  options: { warmUpSeconds: number; rounds: number; roundSeconds: number; connections: number; log: (line: string) => void },
): Promise<WebhookBenchResult> {
  const receiver = await ReceiverProcess.start();
  try {
    const settings = {
      secretKey: parseSecretKey(env.WEBHOOK_SECRET_KEY), urlPolicy: { allowPrivateNetworks: true, allowHttp: true }, retry: DEFAULT_RETRY_SCHEDULE, disableAfterFailures: 50,
    };
    const url = receiver.url;
    const { endpoint } = await createWebhookEndpoint({ em: orm.em.fork(), actor: CLI_ACTOR }, settings, {
      organizationId: tenant.organizationId, url, eventTypes: ["scim.member.create"], enabled: false,
    });
    const setEnabled = (enabled: boolean) => orm.em.fork().nativeUpdate("WebhookEndpoint", { id: endpoint.id }, { enabled });
    let round = 0;
    const drains: number[] = [];
    /**
     * Waits until the backlog of the round is delivered: every event has its position, none of the
     * endpoint's deliveries is pending, and none came for a second (the creates autocannon left in
     * flight have committed and theirs went out). Returns when the last one came.
     */
    const drained = async () => {
      const createsDone = Date.now();
      let lastDeliveryAt = (await receiver.status()).lastDeliveryAt;
      while (Date.now() - Math.max(lastDeliveryAt, createsDone) < 1_000 || (await deliveriesWait(orm, endpoint.id))) {
        if (Date.now() - createsDone > DRAIN_TIMEOUT_MS) throw new Error(`webhooks: deliveries still waited ${DRAIN_TIMEOUT_MS / 1000} s after a round's creates`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        lastDeliveryAt = (await receiver.status()).lastDeliveryAt;
      }
      drains.push(Math.max(0, (lastDeliveryAt - createsDone) / 1000));
      return lastDeliveryAt;
    };
    let withEndpointSeconds = 0;
    const creates = (seconds: number) => measureRequest(target.url, options.connections, seconds, createUserRequest(target, `hooked-${Date.now()}-${round++}`));
    receiver.counting(true);
    const [createWithout, createWith] = await alternatingRounds(
      {
        warmUpSeconds: options.warmUpSeconds, rounds: options.rounds, roundSeconds: options.roundSeconds,
        onRound: (i, a, b) => options.log(`  round ${i + 1}: ${a.rps} creates/s without an endpoint, ${b.rps} with one`),
      },
      async (seconds) => {
        await setEnabled(false);
        return creates(seconds);
      },
      async (seconds) => {
        // The round without the endpoint's events get their positions first: enabled now, the
        // endpoint would be sent those too.
        await sequenceEvents(orm.em.fork(), "all");
        await setEnabled(true);
        const from = Date.now();
        const result = await creates(seconds);
        // Delivered before the endpoint is disabled for the next round, so no delivery waits through it.
        const lastDeliveryAt = await drained();
        withEndpointSeconds += (Math.max(lastDeliveryAt, from) - from) / 1000;
        return result;
      },
    );
    receiver.counting(false);
    const lags = await receiver.lags();
    const drainSeconds = drains.reduce((sum, d) => sum + d, 0) / Math.max(1, drains.length);
    lags.sort((a, b) => a - b);
    return {
      createWithout, createWith, delivered: lags.length,
      // Over every round with the endpoint (the warm-up's too), each until its last delivery.
      deliveriesPerSecond: Math.round(lags.length / Math.max(withEndpointSeconds, 0.001)),
      lagP50Ms: lags[Math.floor(lags.length * 0.5)] ?? 0,
      lagP99Ms: lags[Math.floor(lags.length * 0.99)] ?? 0,
      drainSeconds: Math.round(drainSeconds * 10) / 10,
    };
  } finally {
    await receiver.stop();
  }
}
