import { parentPort, workerData } from "node:worker_threads";
import type { AttemptResult } from "../domain/webhooks/deliveries";
import { InThreadSender, type SendRequest } from "./attempt-sender";
import type { OutboundOptions } from "./outbound-http";

/** What the dispatcher's thread posts to the worker. */
export type ToSenderWorker = { kind: "send"; requests: Array<SendRequest & { id: number }> } | { kind: "close" };

/** What the worker posts back: outcomes, batched (see RESULTS_EVERY_MS). */
export type FromSenderWorker = { kind: "results"; results: Array<{ id: number; result: AttemptResult }> } | { kind: "closed" };

/**
 * How long an outcome may wait for others to go back with it, unless it is the last in flight. The
 * dispatcher records outcomes in its next round (at most ten a second) anyway; one message for a
 * batch wakes the serving thread once instead of once per receiver's answer.
 */
const RESULTS_EVERY_MS = 20;

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
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
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
        done.push({ id, result });
      });
      inFlight.add(attempt);
      void attempt.finally(() => {
        inFlight.delete(attempt);
        // The last answer of a batch goes at once; earlier ones wait a little for company.
        if (inFlight.size === 0) setImmediate(flush);
        else timer ??= setTimeout(flush, RESULTS_EVERY_MS);
      });
    }
  });
}

serve();
