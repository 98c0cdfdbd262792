import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request a receiver got. */
export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed: `{ type, timestamp, data }`. */
  json: { type: string; timestamp: string; data: Record<string, any> };
}

/** What the receiver answers a request with: a status, or a promise of one (never settling hangs it). */
export type Answer = (request: Received, index: number) => number | Promise<number>;

export interface WebhookReceiver {
  url: string;
  received: Received[];
  answer(with_: Answer): void;
  /** Resolves once `done(received)` holds; fails after `timeoutMs`. */
  waitFor(done: (received: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1, answering 200 unless told otherwise. */
export async function startReceiver(): Promise<WebhookReceiver> {
  const received: Received[] = [];
  let answer: Answer = () => 200;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const entry: Received = { headers: request.headers, body, json: JSON.parse(body) };
      received.push(entry);
      void Promise.resolve(answer(entry, received.length - 1)).then((status) => {
        response.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "no thanks");
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: (with_) => (answer = with_),
    async waitFor(done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(received)) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met in ${timeoutMs} ms; got ${received.length} request(s): ${received.map((r) => r.json.type).join(", ")}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
