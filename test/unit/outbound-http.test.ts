import dns from "node:dns";
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { OutboundHttp, type OutboundOptions } from "../../src/delivery/outbound-http";

// Webhook receivers are untrusted: these tests stand up real ones on 127.0.0.1 that answer well,
// redirect, stall, trickle or never stop, and check what the client sent, kept and refused.

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  port: number;
  /** Requests whose body arrived in full. */
  requests: ReceivedRequest[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  close(): Promise<void>;
}

type Respond = (request: ReceivedRequest, response: ServerResponse) => void;

const receivers: Receiver[] = [];
const clients: OutboundHttp[] = [];

// Receivers first: closing their connections ends any response still in flight, which
// OutboundHttp.close() would otherwise wait for.
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** For the tests of limits: a limit that does not hold fails them in seconds, not at jest's 60 s. */
const LIMIT_TEST_TIMEOUT_MS = 5000;

async function startReceiver(respond: Respond): Promise<Receiver> {
  const server = http.createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = {
        method: incoming.method ?? "",
        url: incoming.url ?? "",
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      receiver.requests.push(request);
      respond(request, response);
    });
  });
  server.on("connection", () => receiver.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    connections: 0,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  receivers.push(receiver);
  return receiver;
}

function client(overrides: Partial<OutboundOptions> = {}): OutboundHttp {
  const created = new OutboundHttp({
    allowPrivateNetworks: true,
    connectTimeoutMs: 1000,
    responseTimeoutMs: 2000,
    maxResponseBytes: 64 * 1024,
    ...overrides,
  });
  clients.push(created);
  return created;
}

/** Stands in for DNS: every name resolves to `addresses` (or fails with `code`). */
function resolveEveryNameTo(answer: { addresses: dns.LookupAddress[] } | { code: string }): jest.SpyInstance {
  return jest.spyOn(dns, "lookup").mockImplementation(((
    hostname: string,
    _options: dns.LookupOptions,
    callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void,
  ) => {
    if ("code" in answer) {
      const error: NodeJS.ErrnoException = new Error(`getaddrinfo ${answer.code} ${hostname}`);
      error.code = answer.code;
      process.nextTick(() => callback(error, []));
    } else {
      process.nextTick(() => callback(null, answer.addresses));
    }
  }) as any);
}

describe("OutboundHttp delivering to a receiver", () => {
  it("returns the receiver's status and body", async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
    });

    const result = await client().post(`${receiver.url}/hook`, {}, "{}");

    expect(result).toEqual({ status: 200, body: '{"received":true}', durationMs: expect.any(Number), error: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("returns an error status as a status, not an error", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(503).end("try later"));

    const result = await client().post(receiver.url, {}, "{}");

    expect(result).toMatchObject({ status: 503, body: "try later", error: null });
  });

  it("sends the headers and body as given, as JSON unless told otherwise", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(204).end());
    const payload = JSON.stringify({ type: "user.created", data: { id: "u_1", name: "Zoë" } });

    await client().post(
      `${receiver.url}/hooks/idgraph?tenant=7`,
      { "webhook-id": "msg_1", "webhook-timestamp": "1700000000", "webhook-signature": "v1,c2lnbmF0dXJl" },
      payload,
    );

    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request.method).toBe("POST");
    expect(request.url).toBe("/hooks/idgraph?tenant=7");
    expect(request.headers).toMatchObject({
      "webhook-id": "msg_1",
      "webhook-timestamp": "1700000000",
      "webhook-signature": "v1,c2lnbmF0dXJl",
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(payload)),
    });
    expect(request.body).toBe(payload);
  });

  it("keeps a content type the caller chose, whatever its case", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(204).end());

    await client().post(receiver.url, { "Content-Type": "application/cloudevents+json" }, "{}");

    expect(receiver.requests[0].headers["content-type"]).toBe("application/cloudevents+json");
  });

  it("reuses one kept-alive connection across posts", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end("ok"));
    const outbound = client();

    const statuses: Array<number | null> = [];
    for (let post = 0; post < 5; post++) statuses.push((await outbound.post(receiver.url, {}, "{}")).status);

    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(receiver.requests).toHaveLength(5);
    expect(receiver.connections).toBe(1);
  });

  it("returns a redirect as its status and does not follow it", async () => {
    const elsewhere = await startReceiver((_request, response) => response.writeHead(200).end("followed"));
    const redirecting = await startReceiver((_request, response) => {
      response.writeHead(302, { location: `${elsewhere.url}/internal` }).end();
    });

    const result = await client().post(redirecting.url, {}, "{}");

    expect(result).toMatchObject({ status: 302, error: null });
    expect(redirecting.requests).toHaveLength(1);
    expect(elsewhere.connections).toBe(0);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe("OutboundHttp bounding what a receiver can cost", () => {
  it("gives up on a receiver that never answers", async () => {
    const receiver = await startReceiver(() => {
      // Never answers: the test's afterEach closes the connection.
    });

    const result = await client({ responseTimeoutMs: 200 }).post(receiver.url, {}, "{}");

    expect(receiver.requests).toHaveLength(1);
    expect(result).toMatchObject({ status: null, body: "", error: "timeout: no response within 200 ms" });
    expect(result.durationMs).toBeGreaterThanOrEqual(150);
    expect(result.durationMs).toBeLessThan(2000);
  }, LIMIT_TEST_TIMEOUT_MS);

  it("gives up on a body that trickles in, each byte well within the body timeout", async () => {
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const drip = setInterval(() => response.write("."), 20);
      response.on("close", () => clearInterval(drip));
    });

    const result = await client({ responseTimeoutMs: 300 }).post(receiver.url, {}, "{}");

    expect(result.status).toBe(200);
    expect(result.error).toBe("timeout: response body not complete within 300 ms");
    expect(result.body).toMatch(/^\.+$/);
    expect(result.durationMs).toBeLessThan(2000);
  }, LIMIT_TEST_TIMEOUT_MS);

  it("stops reading an endless body at maxResponseBytes and closes the connection", async () => {
    let bytesOffered = 0;
    let connectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => (connectionClosed = resolve));
    const receiver = await startReceiver((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      const chunk = "x".repeat(16 * 1024);
      const offerMore = (): void => {
        let room = true;
        while (room && !response.destroyed) {
          room = response.write(chunk);
          bytesOffered += chunk.length;
        }
      };
      response.on("drain", offerMore);
      response.on("close", connectionClosed);
      offerMore();
    });

    const result = await client({ maxResponseBytes: 1000 }).post(receiver.url, {}, "{}");
    await closed;

    expect(result).toMatchObject({ status: 200, body: "x".repeat(1000), error: null });
    expect(result.durationMs).toBeLessThan(2000);
    // The receiver could have sent far more: the cap, not the receiver, ended the response.
    expect(bytesOffered).toBeGreaterThan(1000);
  }, LIMIT_TEST_TIMEOUT_MS);

  it("cuts a truncated body between characters, never inside one", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end("é".repeat(100)));

    // "é" is two bytes in UTF-8: a 9-byte cap ends halfway through the fifth.
    const result = await client({ maxResponseBytes: 9 }).post(receiver.url, {}, "{}");

    expect(result).toMatchObject({ status: 200, body: "éééé", error: null });
  });
});

describe("OutboundHttp refusing private destinations", () => {
  const publicOnly = { allowPrivateNetworks: false };

  it.each([
    ["an IPv4 loopback literal", (port: number) => `http://127.0.0.1:${port}/`, "refused: 127.0.0.1 is a private address"],
    ["an IPv4 loopback literal in hex", (port: number) => `http://0x7f.0.0.1:${port}/`, "refused: 127.0.0.1 is a private address"],
    ["an IPv6 loopback literal", (port: number) => `http://[::1]:${port}/`, "refused: ::1 is a private address"],
    ["IPv4 loopback mapped into IPv6", (port: number) => `http://[::ffff:127.0.0.1]:${port}/`, "refused: ::ffff:7f00:1 is a private address"],
  ])("refuses %s before sending anything", async (_what, url, error) => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end("reached"));

    const result = await client(publicOnly).post(url(receiver.port), {}, "{}");

    expect(result).toMatchObject({ status: null, body: "", error });
    expect(receiver.connections).toBe(0);
  });

  it("refuses localhost by the address it resolves to, at connect time", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end("reached"));

    const result = await client(publicOnly).post(`http://localhost:${receiver.port}/`, {}, "{}");

    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a private address$/);
    expect(receiver.connections).toBe(0);
  });

  it("refuses a name when any one of its addresses is private (DNS rebinding)", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end("reached"));
    const lookup = resolveEveryNameTo({
      addresses: [
        { address: "93.184.215.14", family: 4 },
        { address: "127.0.0.1", family: 4 },
      ],
    });

    const result = await client(publicOnly).post(`http://hooks.example.com:${receiver.port}/`, {}, "{}");

    expect(lookup).toHaveBeenCalledWith("hooks.example.com", expect.objectContaining({ all: true }), expect.any(Function));
    expect(result).toMatchObject({
      status: null,
      error: "refused: hooks.example.com resolves to 127.0.0.1, a private address",
    });
    expect(receiver.connections).toBe(0);
  });

  it("delivers to a private address when the operator allows private networks", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end("reached"));

    const result = await client({ allowPrivateNetworks: true }).post(`http://localhost:${receiver.port}/`, {}, "{}");

    expect(result).toMatchObject({ status: 200, body: "reached", error: null });
  });
});

describe("OutboundHttp reporting network problems instead of throwing", () => {
  it("reports a refused connection", async () => {
    const gone = await startReceiver(() => undefined);
    await gone.close();

    const result = await client().post(`${gone.url}/hook`, {}, "{}");

    expect(result).toMatchObject({ status: null, body: "", error: "connection refused" });
  });

  it("reports a name that does not resolve", async () => {
    resolveEveryNameTo({ code: "ENOTFOUND" });

    const result = await client({ allowPrivateNetworks: false }).post("https://hooks.example.invalid/", {}, "{}");

    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^dns: .*ENOTFOUND hooks\.example\.invalid/);
  });

  it("reports a receiver that hangs up without answering", async () => {
    const receiver = await startReceiver((_request, response) => response.socket?.destroy());

    const result = await client().post(receiver.url, {}, "{}");

    expect(result.status).toBeNull();
    expect(result.error).toMatch(/^connection (error: other side closed|reset by the receiver)$/);
  });

  it.each([
    ["a URL that does not parse", "not a url", {}, "invalid URL"],
    ["a scheme other than http and https", "ftp://hooks.example.com/", {}, "unsupported scheme ftp:"],
  ])("reports %s", async (_what, url, headers, error) => {
    await expect(client().post(url, headers, "{}")).resolves.toMatchObject({ status: null, error });
  });

  it("reports a header value that would split the request, sending nothing", async () => {
    const receiver = await startReceiver((_request, response) => response.writeHead(200).end());

    const result = await client().post(receiver.url, { "x-injected": "a\r\nx-evil: 1" }, "{}");

    expect(result.status).toBeNull();
    expect(result.error).toEqual(expect.any(String));
    expect(receiver.requests).toHaveLength(0);
  });
});
