/**
 * The webhooks scenario's receiver, in a process of its own as a real receiver would be: in the
 * bench's process it would take turns with the load generator's event loop and slow the very
 * creates being measured. Answers 204 to every POST and keeps each event's lag (receipt minus the
 * event's occurredAt). Driven over IPC by ReceiverProcess below: `fork`ed from the compiled bench.
 */
import { fork, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

type ToReceiver = { kind: "counting"; on: boolean } | { kind: "status" } | { kind: "lags" };
type FromReceiver =
  | { kind: "listening"; port: number }
  | { kind: "status"; received: number; lastDeliveryAt: number }
  | { kind: "lags"; lags: number[] };

/** The receiver process, seen from the bench. */
export class ReceiverProcess {
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(): Promise<ReceiverProcess> {
    const child = fork(__filename, ["serve"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const port = await new Promise<number>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the webhook receiver exited (code ${code})`)));
      child.once("message", (message: FromReceiver) => message.kind === "listening" && resolve(message.port));
    });
    return new ReceiverProcess(child, `http://127.0.0.1:${port}/idgraph`);
  }

  /** Whether deliveries are counted (their lags kept) from now on. */
  counting(on: boolean): void {
    this.child.send({ kind: "counting", on } satisfies ToReceiver);
  }

  /** Deliveries counted so far, and when the last one came (epoch ms, 0 before the first). */
  status(): Promise<{ received: number; lastDeliveryAt: number }> {
    return this.ask({ kind: "status" }, "status");
  }

  async lags(): Promise<number[]> {
    return (await this.ask({ kind: "lags" }, "lags")).lags;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.kill("SIGTERM");
    await exited;
  }

  private ask<K extends FromReceiver["kind"]>(message: ToReceiver, kind: K): Promise<Extract<FromReceiver, { kind: K }>> {
    return new Promise((resolve) => {
      const onMessage = (reply: FromReceiver) => {
        if (reply.kind !== kind) return;
        this.child.off("message", onMessage);
        resolve(reply as Extract<FromReceiver, { kind: K }>);
      };
      this.child.on("message", onMessage);
      this.child.send(message);
    });
  }
}

function serve(): void {
  const lags: number[] = [];
  let counting = false;
  let lastDeliveryAt = 0;
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => {
      if (counting) {
        lags.push(Date.now() - Date.parse((JSON.parse(body) as { data: { occurredAt: string } }).data.occurredAt));
        lastDeliveryAt = Date.now();
      }
      response.writeHead(204).end();
    });
  });
  const send = (message: FromReceiver) => process.send?.(message);
  process.on("message", (message: ToReceiver) => {
    if (message.kind === "counting") counting = message.on;
    else if (message.kind === "status") send({ kind: "status", received: lags.length, lastDeliveryAt });
    else send({ kind: "lags", lags });
  });
  process.once("SIGTERM", () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  // The bench going away takes the receiver with it.
  process.once("disconnect", () => process.exit(0));
  server.listen(0, "127.0.0.1", () => send({ kind: "listening", port: (server.address() as AddressInfo).port }));
}

if (require.main === module && process.argv[2] === "serve") serve();
