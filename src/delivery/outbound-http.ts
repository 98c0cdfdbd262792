import dns, { type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { StringDecoder } from "node:string_decoder";
import { Agent, type Dispatcher } from "undici";
import { isPrivateAddress } from "../domain/webhooks/url-policy";

/**
 * The one way the server sends a request to a URL a tenant chose (webhook delivery). The receiver
 * is untrusted: it may answer slowly, never, endlessly, with a redirect into the private network,
 * or its name may resolve to a private address. Every outcome comes back as an OutboundResult;
 * network problems never throw, and nothing is logged here (the delivery record is the log).
 */

export interface OutboundOptions {
  /** Deliver to loopback, RFC 1918 and similar addresses (self-hosted setups only). */
  allowPrivateNetworks: boolean;
  /** DNS lookup, TCP connect and TLS handshake together. */
  connectTimeoutMs: number;
  /** From the request being sent until the last byte of the response body. */
  responseTimeoutMs: number;
  /** The most of the response body that is read and kept; the rest is never read. */
  maxResponseBytes: number;
}

export interface OutboundResult {
  /** Null when no HTTP response arrived; `error` then says why. */
  status: number | null;
  /** The response body as UTF-8, at most maxResponseBytes of it. */
  body: string;
  durationMs: number;
  /** Null on any HTTP response read in time, whatever its status. */
  error: string | null;
}

export class OutboundHttp {
  private readonly agent: Agent;

  constructor(private readonly options: OutboundOptions) {
    this.agent = new Agent({
      connect: {
        timeout: options.connectTimeoutMs,
        // Checking the addresses net.connect is about to use, rather than resolving once to
        // validate and again to connect, leaves DNS rebinding no window between check and use.
        ...(options.allowPrivateNetworks ? {} : { lookup: lookupPublicAddressesOnly }),
      },
      headersTimeout: options.responseTimeoutMs,
      bodyTimeout: options.responseTimeoutMs,
      // An Agent follows no redirects (that is an interceptor undici leaves out unless composed
      // in): a 3xx is returned as a status, so a receiver cannot bounce us to a private address.
    });
  }

  /** POSTs `body`, adding `content-type: application/json` unless `headers` names a content type. */
  async post(url: string, headers: Record<string, string>, body: string): Promise<OutboundResult> {
    const startedAt = performance.now();
    const outcome = await this.send(url, headers, body);
    return { ...outcome, durationMs: Math.round(performance.now() - startedAt) };
  }

  /** Waits for posts in flight (each bounded by the timeouts), then closes kept-alive connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  private send(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
    const target = parseTarget(url, this.options.allowPrivateNetworks);
    if (typeof target === "string") return Promise.resolve({ status: null, body: "", error: target });

    return new Promise((resolve) => {
      const collector = new ResponseCollector(this.options, resolve);
      const request: Dispatcher.DispatchOptions = {
        origin: target.origin,
        path: target.pathname + target.search,
        method: "POST",
        headers: withContentType(headers),
        body,
      };
      try {
        // Errors in the request itself (a header value with a line break, a closed agent) reach
        // the collector's onResponseError; the catch is for anything undici would throw instead.
        this.agent.dispatch(request, collector);
      } catch (error) {
        collector.onResponseError(undefined, error as Error);
      }
    });
  }
}

type Outcome = Omit<OutboundResult, "durationMs">;

/** The URL to connect to, or why nothing may be sent to it. */
function parseTarget(url: string, allowPrivateNetworks: boolean): URL | string {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return "invalid URL";
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") return `unsupported scheme ${target.protocol}`;
  // Node's net.connect calls no lookup for an IP literal, so the guard below never sees these.
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!allowPrivateNetworks && isIP(host) !== 0 && isPrivateAddress(host)) return `refused: ${host} is a private address`;
  return target;
}

function withContentType(headers: Record<string, string>): Record<string, string> {
  const named = Object.keys(headers).some((name) => name.toLowerCase() === "content-type");
  return named ? headers : { ...headers, "content-type": "application/json" };
}

/** A destination refused by address, raised inside the connect so nothing is ever sent. */
class PrivateAddressRefused extends Error {
  override readonly name = "PrivateAddressRefused";
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net.connect that resolves every address of the name and refuses the name if any
 * of them is private: with several answers, the connection may go to any of them (Node tries them
 * in turn when autoSelectFamily is on, its default since Node 20).
 */
function lookupPublicAddressesOnly(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  // Read dns.lookup at call time (not a destructured import) so a test can stand in for DNS.
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, "");
    const privateAddress = addresses.find((answer) => isPrivateAddress(answer.address));
    if (privateAddress) {
      const reason = `${hostname} resolves to ${privateAddress.address}, a private address`;
      return callback(new PrivateAddressRefused(reason), "");
    }
    if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "");
    // net.connect asks for every address (options.all) when it may try several, else for one.
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
}

/** Why the response-wide deadline aborted the request (undici's own timeouts are per phase). */
class ResponseDeadline extends Error {}

/** Aborts the request once maxResponseBytes have been read: the rest stays unread on the socket. */
class BodyCapReached extends Error {}

/**
 * Collects one response through undici's dispatch handler: the status, at most maxResponseBytes of
 * body, or the error. `request()` would buffer up to a stream's high-water mark past the cap and
 * cannot tell when the request went out; this handler stops the socket at the cap and starts the
 * response deadline when the request is written (onRequestStart), after connecting.
 */
class ResponseCollector implements Dispatcher.DispatchHandler {
  private status: number | null = null;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  private deadline: NodeJS.Timeout | null = null;
  private settled = false;

  constructor(
    private readonly options: OutboundOptions,
    private readonly settle: (outcome: Outcome) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // undici's headersTimeout and bodyTimeout each restart per phase (bodyTimeout per chunk): a
    // receiver trickling one byte at a time would hold a delivery forever without this deadline.
    this.deadline ??= setTimeout(() => controller.abort(new ResponseDeadline()), this.options.responseTimeoutMs);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number): void {
    if (statusCode < 200) return; // an interim response (103 Early Hints); the real one follows
    this.status = statusCode;
    if (this.options.maxResponseBytes <= 0) this.stopReading(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const room = this.options.maxResponseBytes - this.received;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.received += kept.length;
    if (this.received >= this.options.maxResponseBytes) this.stopReading(controller);
  }

  onResponseEnd(): void {
    this.finish(null, false);
  }

  /** `controller` is undefined when the request failed before reaching a socket (connect errors). */
  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.finish(error, false);
  }

  private stopReading(controller: Dispatcher.DispatchController): void {
    this.finish(null, true);
    controller.abort(new BodyCapReached());
  }

  private finish(error: Error | null, truncated: boolean): void {
    if (this.settled) return;
    this.settled = true;
    if (this.deadline) clearTimeout(this.deadline);
    const bytes = Buffer.concat(this.chunks);
    // A cut can fall inside a multi-byte character: StringDecoder.write holds back the incomplete
    // tail instead of turning it into U+FFFD.
    const body = truncated ? new StringDecoder("utf8").write(bytes) : bytes.toString("utf8");
    const outcome = { status: this.status, body, error: error && describeFailure(error, this.status, this.options) };
    if (error !== null || truncated) return this.settle(outcome); // the connection is closed: nothing to reuse
    // undici hands a kept-alive connection back to its pool one setImmediate after the response
    // ends (client-h1 onMessageComplete, to catch servers that close anyway). A caller posting
    // again straight away would find it busy and open a second connection, so answer after
    // that: an immediate queued from inside an immediate runs on the next turn, behind undici's.
    setImmediate(() => setImmediate(() => this.settle(outcome)));
  }
}

/** One short line per failure, for the delivery record the webhook's owner reads. */
function describeFailure(error: Error, status: number | null, options: OutboundOptions): string {
  const within = `within ${options.responseTimeoutMs} ms`;
  if (error instanceof PrivateAddressRefused) return `refused: ${error.message}`;
  const code = errorCode(error);
  switch (code) {
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
    case "RESPONSE_DEADLINE":
      return status === null ? `timeout: no response ${within}` : `timeout: response body not complete ${within}`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return `timeout: could not connect within ${options.connectTimeoutMs} ms`;
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_NONAME":
      return `dns: ${error.message}`;
    case "EAI_AGAIN":
      return `dns: temporary failure (${error.message})`;
    case "ECONNRESET":
      return "connection reset by the receiver";
    case "UND_ERR_SOCKET":
      // "other side closed", or "bad response" for a malformed one (undici counts an unsolicited
      // "100 Continue" as malformed: it sends no Expect header, so none may come).
      return `connection error: ${error.message}`;
    default:
      return code ? `${code}: ${error.message}` : error.message;
  }
}

function errorCode(error: Error): string | undefined {
  if (error instanceof ResponseDeadline) return "RESPONSE_DEADLINE";
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return code;
  // With several addresses to try, net.connect fails with an AggregateError of one error each.
  if (error instanceof AggregateError && error.errors[0] instanceof Error) return errorCode(error.errors[0]);
  return undefined;
}
