import type { Worker } from "node:worker_threads";
import type { AttemptResult } from "../domain/webhooks/deliveries";
import { startWorkerScript } from "../worker-script";
import type { AttemptSender, SendRequest } from "./attempt-sender";
import type { OutboundOptions } from "./outbound-http";
import type { FromSenderWorker, ToSenderWorker } from "./sender-worker";

/**
 * Sends attempts on a worker thread of this process (sender-worker.ts). The attempts handed over
 * in one turn of the event loop go in one message; outcomes come back likewise. Started on the
 * first attempt, so a server without endpoints runs no extra thread. Should the worker die, the
 * attempts it held fail (their deliveries are retried as any failure is) and the next attempt
 * starts a new one.
 */
export class WorkerSender implements AttemptSender {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, (result: AttemptResult) => void>();
  /** Handed to the worker and not answered yet. */
  private readonly posted = new Set<number>();
  private outbox: Array<SendRequest & { id: number }> = [];

  constructor(private readonly options: OutboundOptions) {}

  send(request: SendRequest): Promise<AttemptResult> {
    const id = this.nextId++;
    if (this.outbox.length === 0) queueMicrotask(() => this.post());
    this.outbox.push({ ...request, id });
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    // The worker answers "closed" once its attempts in flight have ended and its connections are shut.
    await new Promise<void>((resolve) => {
      worker.on("message", (message: FromSenderWorker) => message.kind === "closed" && resolve());
      worker.once("exit", () => resolve());
      worker.postMessage({ kind: "close" } satisfies ToSenderWorker);
    });
    this.worker = null;
    await worker.terminate();
    // Only if the worker died while closing: its attempts have no outcome.
    for (const id of [...this.posted]) this.settle(id, { status: null, error: "no outcome: the sender was closed", durationMs: 0, body: "" });
  }

  private post(): void {
    const requests = this.outbox;
    this.outbox = [];
    if (requests.length === 0) return;
    for (const { id } of requests) this.posted.add(id);
    this.started().postMessage({ kind: "send", requests } satisfies ToSenderWorker);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorkerScript(__dirname, "sender-worker", { workerData: this.options });
    // Idle, it does not keep the process alive; the dispatcher's stop closes it.
    worker.unref();
    worker.on("message", (message: FromSenderWorker) => {
      if (message.kind !== "results") return;
      for (const { id, result } of message.results) this.settle(id, result);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      // Sent or not, nothing will tell: recorded as failed attempts, they are retried.
      for (const id of [...this.posted]) this.settle(id, { status: null, error: `no outcome: ${why}`, durationMs: 0, body: "" });
    };
    worker.on("error", (error) => lost(`the sender thread failed (${error.message})`));
    worker.on("exit", (code) => lost(`the sender thread exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(id: number, result: AttemptResult): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    this.posted.delete(id);
    resolve?.(result);
  }
}
