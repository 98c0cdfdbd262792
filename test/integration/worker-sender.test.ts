import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import type { AttemptSender } from "../../src/delivery/attempt-sender";
import { WorkerSender } from "../../src/delivery/worker-sender";
import { newSigningSecret } from "../../src/domain/webhooks/signing-secrets";
import { ensureBuilt } from "../helpers/build";
import { startReceiver, type WebhookReceiver } from "../helpers/webhook-receiver";

const OPTIONS = { allowPrivateNetworks: true, connectTimeoutMs: 2_000, responseTimeoutMs: 2_000, maxResponseBytes: 1_024 };
const payload = (n: number) => JSON.stringify({ type: "scim.member.create", timestamp: new Date().toISOString(), data: { n } });

describe("the sender worker (webhook attempts signed and sent off the serving thread)", () => {
  let receiver: WebhookReceiver;
  let sender: WorkerSender;

  beforeEach(async () => {
    receiver = await startReceiver();
    sender = new WorkerSender(OPTIONS);
  });
  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  it("sends every attempt handed over at once, each signed so a Standard Webhooks library verifies it, and reports each outcome", async () => {
    const secret = newSigningSecret();
    receiver.answer((request) => (JSON.parse(request.body).data.n % 5 === 0 ? 503 : 204));
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => sender.send({ url: receiver.url, secrets: [secret], messageId: `msg_${n}`, payload: payload(n) })));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 40 }, (_, n) => (n % 5 === 0 ? 503 : 204)));
    expect(results.every((r) => r.error === null && r.durationMs >= 0)).toBe(true);
    expect(results[0].body).toBe("no thanks");
    expect(receiver.received).toHaveLength(40);
    for (const request of receiver.received) {
      const verified = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { data: { n: number } };
      expect(request.headers["webhook-id"]).toBe(`msg_${verified.data.n}`);
    }
  });

  it("sends nothing for a secret that is not a Standard Webhooks secret, and says so", async () => {
    const result = await sender.send({ url: receiver.url, secrets: ["whsec_not base64!"], messageId: "msg_1", payload: payload(1) });
    expect(result).toMatchObject({ status: null, error: expect.stringMatching(/^not sent: webhook signing secret #1 is not a Standard Webhooks secret/) });
    expect(receiver.received).toHaveLength(0);
  });

  it("fails the attempts a dead worker held, and starts a new worker for the next attempt", async () => {
    receiver.answer(() => new Promise<number>(() => undefined));
    const held = sender.send({ url: receiver.url, secrets: [newSigningSecret()], messageId: "msg_held", payload: payload(1) });
    await receiver.waitFor((received) => received.length === 1);
    // The worker dying mid-attempt, as a crash of its thread would.
    await (sender as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    expect(await held).toMatchObject({ status: null, error: expect.stringMatching(/^no outcome: the sender thread exited/) });

    receiver.answer(() => 204);
    const next = await sender.send({ url: receiver.url, secrets: [newSigningSecret()], messageId: "msg_next", payload: payload(2) });
    expect(next).toMatchObject({ status: 204, error: null });
  });

  it("waits for the attempts in flight when closed", async () => {
    receiver.answer(() => new Promise<number>((resolve) => setTimeout(() => resolve(204), 300)));
    const inFlight = sender.send({ url: receiver.url, secrets: [newSigningSecret()], messageId: "msg_slow", payload: payload(1) });
    await receiver.waitFor((received) => received.length === 1);
    await sender.close();
    expect(await inFlight).toMatchObject({ status: 204 });
  });

  it("runs from the compiled server (dist/) as from the sources", async () => {
    ensureBuilt();
    const compiled = (await import(join(__dirname, "..", "..", "dist", "src", "delivery", "worker-sender.js"))) as { WorkerSender: new (options: typeof OPTIONS) => AttemptSender };
    const built = new compiled.WorkerSender(OPTIONS);
    try {
      const secret = newSigningSecret();
      expect(await built.send({ url: receiver.url, secrets: [secret], messageId: "msg_dist", payload: payload(7) })).toMatchObject({ status: 200 });
      expect(new Webhook(secret).verify(receiver.received[0].body, receiver.received[0].headers as Record<string, string>)).toMatchObject({ data: { n: 7 } });
    } finally {
      await built.close();
    }
  });
});
