import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { BuiltApp } from "./app";

/** What the process exits with: 0 when everything closed in time, 1 when not. */
export type ShutdownExitCode = 0 | 1;

export interface ShutdownOptions {
  /** How long the whole sequence may take before the process exits anyway (Config.shutdownTimeoutMs). */
  timeoutMs: number;
  /** Where its few lines go: the CLI passes the console, where its start-up banner went. */
  log: { info(line: string): void; error(line: string): void };
}

/** Runs the shutdown sequence once; `reason` names what asked for it (a signal) in the log line. */
export type ShutDown = (reason: string) => Promise<ShutdownExitCode>;

/**
 * Prepares a built app to be shut down gracefully, and returns the sequence that does it. Call it
 * before the app listens: it watches the requests from the first one on. The sequence:
 *
 * 1. Stop accepting. The listening socket closes (a new connection is refused) and idle
 *    keep-alive connections are closed. A request that still arrives on an open connection is
 *    answered 503 with `Connection: close` without running its handler — `/readyz` included
 *    (fastify's `return503OnClosing`, on by default).
 * 2. Finish what is in flight. Every request already received runs to the end and gets its whole
 *    response, sent with `Connection: close`, and its connection then closes. Node's
 *    `server.close()` only closes connections idle at that moment; a request in flight on a
 *    keep-alive connection would otherwise leave it open, idle, until the keep-alive timeout
 *    (72 s in fastify), far past the bound.
 * 3. Writes need no step of their own: a request awaits its own command's commit, group-committed
 *    ones included (store/sql/group-commit.ts resolves a command only after its transaction
 *    committed and gave its connection back), so once the requests are answered nothing is queued
 *    or being written. A handler whose client went away is no longer waited for by step 2: what it
 *    still writes meets step 4, which waits for every connection in use to be given back (a
 *    transaction under way ends), then refuses the rest. No such write was acknowledged, and a
 *    transaction that does not commit leaves nothing behind.
 * 4. Close the database pools (the ORM's writer and readers).
 *
 * The sequence resolves 0 when all of it finished within `timeoutMs`, and 1 when it failed or the
 * bound passed first (a client holding a request open): the caller then exits regardless.
 */
export function gracefulShutdown(built: BuiltApp, options: ShutdownOptions): ShutDown {
  const inFlight = requestsInFlight(built.app.server);
  let running: Promise<ShutdownExitCode> | undefined;
  return (reason) => {
    if (running) {
      options.log.info(`${reason} again: already shutting down.`);
      return running;
    }
    options.log.info(
      `${reason}: refusing new connections, finishing ${inFlight.count()} request(s) in flight, then closing the database (at most ${options.timeoutMs} ms).`,
    );
    return (running = closeWithin(built, inFlight, options));
  };
}

async function closeWithin(built: BuiltApp, inFlight: RequestsInFlight, options: ShutdownOptions): Promise<ShutdownExitCode> {
  const started = Date.now();
  inFlight.closeConnectionsAfterResponse();
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), options.timeoutMs)));
  const closed = built.close().then(() => "closed" as const, (error: unknown) => ({ error }));
  try {
    const outcome = await Promise.race([closed, bound]);
    if (outcome === "closed") {
      options.log.info(`Shut down in ${Date.now() - started} ms.`);
      return 0;
    }
    if (outcome === "timeout") {
      options.log.error(`Shutdown did not finish within ${options.timeoutMs} ms (${inFlight.count()} request(s) still in flight): exiting anyway.`);
    } else {
      options.log.error(`Shutdown failed: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`);
    }
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Termination signals: SIGTERM from whatever runs the process (Kubernetes, systemd, `docker stop`),
 * SIGINT from Ctrl-C.
 */
const TERMINATION_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * Runs `shutDown` on SIGTERM or SIGINT, then exits with its code. This must be the only handler
 * that stops the server: Apollo Server installs its own unless told not to (server/graphql.ts sets
 * `stopOnTerminationSignals: false`), and that one closes fastify with a 10 s fuse that cuts every
 * connection still open, requests in flight included, then raises the signal again.
 *
 * A repeated signal while draining is logged and otherwise ignored (`shutDown` runs once): the
 * same signal often arrives twice without anyone meaning "hurry" — Ctrl-C reaches both npm and
 * the node it started, and npm forwards it again — and cutting requests short is what the
 * sequence exists to avoid. The bound still ends the process; SIGKILL ends it at once.
 */
export function exitOnTerminationSignals(shutDown: ShutDown, exit: (code: number) => void = process.exit): void {
  let exiting: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const sequence = shutDown(`Received ${signal}`);
    exiting ??= sequence.then(exit);
  };
  for (const signal of TERMINATION_SIGNALS) process.on(signal, onSignal);
}

interface RequestsInFlight {
  count(): number;
  /** From now on, each response ends its connection, and connections left idle are closed. */
  closeConnectionsAfterResponse(): void;
}

/**
 * The requests a server is handling, followed from Node's `request` event to their response's
 * `close`. Under HTTP/1.1 pipelining a connection can carry several at once, answered in order:
 * only the newest may close it, or the responses queued behind would be dropped.
 */
function requestsInFlight(server: Server): RequestsInFlight {
  const responses = new Set<ServerResponse>();
  const newestOn = new WeakMap<Socket, ServerResponse>();
  let draining = false;
  // Closes only connections with no request in progress, never one in the middle of a request.
  const closeIdle = () => setImmediate(() => server.closeIdleConnections());
  const endConnectionAfter = (response: ServerResponse) => {
    // Node ends the connection after a response that says `Connection: close`.
    if (!response.headersSent) response.setHeader("connection", "close");
    // A response whose headers were already on their way keeps its connection alive: close it
    // once it is idle.
    else if (response.writableFinished) closeIdle();
    else response.once("finish", closeIdle);
  };
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    responses.add(response);
    response.once("close", () => responses.delete(response));
    const previous = newestOn.get(request.socket);
    newestOn.set(request.socket, response);
    if (!draining) return;
    // Pipelined behind a response that was to close the connection: this one closes it instead.
    if (previous && responses.has(previous) && !previous.headersSent) previous.removeHeader("connection");
    endConnectionAfter(response);
  });
  return {
    count: () => responses.size,
    closeConnectionsAfterResponse() {
      draining = true;
      for (const response of responses) if (newestOn.get(response.req.socket) === response) endConnectionAfter(response);
    },
  };
}
