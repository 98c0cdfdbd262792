import { parentPort, workerData } from "node:worker_threads";
import type { AttemptResult } from "../domain/webhooks/deliveries";
import { InThreadSender, type SendRequest } from "./attempt-sender";
import type { OutboundOptions } from "./outbound-http";

/** What the dispatcher's thread posts to the worker. */
export type ToSenderWorker = { kind: "send"; requests: Array<SendRequest & { id: number }> } | { kind: "close" };

/** What the worker posts back: outcomes as they come, batched per turn of its event loop. */
export type FromSenderWorker = { kind: "results"; results: Array<{ id: number; result: AttemptResult }> } | { kind: "closed" };

/**
 * The sender worker: signs and POSTs the attempts the dispatcher hands it, off the thread that
 * serves requests (an HTTP client's and a signature's work per delivery, and TLS's for https
 * receivers, would otherwise be paid by the writes that made the events). Started by WorkerSender.
 */
function serve(): void {
  const port = parentPort;
  if (!port) throw new Error("sender-worker.ts runs as a worker thread (WorkerSender starts it)");
  const sender = new InThreadSender(workerData as OutboundOptions);
  const inFlight = new Set<Promise<void>>();
  let done: Array<{ id: number; result: AttemptResult }> = [];
  const flush = () => {
    if (done.length === 0) return;
    const results = done;
    done = [];
    port.postMessage({ kind: "results", results } satisfies FromSenderWorker);
  };
  port.on("message", (message: ToSenderWorker) => {
    if (message.kind === "close") {
      // Every outcome is posted before "closed": messages arrive in order.
      void Promise.allSettled([...inFlight]).then(() => sender.close()).finally(() => {
        flush();
        port.postMessage({ kind: "closed" } satisfies FromSenderWorker);
      });
      return;
    }
    for (const { id, ...request } of message.requests) {
      const attempt = sender.send(request).then((result) => {
        if (done.length === 0) setImmediate(flush);
        done.push({ id, result });
      });
      inFlight.add(attempt);
      void attempt.finally(() => inFlight.delete(attempt));
    }
  });
}

serve();
