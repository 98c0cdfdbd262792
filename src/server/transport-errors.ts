import { STATUS_CODES, maxHeaderSize } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ScimError } from "../scim/errors";
import { isScimUrl, SCIM_CONTENT_TYPE } from "../scim/plugin";

/**
 * Errors raised before a request reaches a route, answered in the format of the API it was meant
 * for: SCIM's error message (RFC 7644 §3.12) under /scim/v2, fastify's `{ error, message,
 * statusCode }` elsewhere. A SCIM filter is the usual way a URL outgrows Node's header limit, so
 * IdPs are the clients that meet these.
 */

/** Node's HTTP parser error codes → status; anything else is a malformed request (400), as Node and fastify answer. */
const STATUS_BY_PARSER_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const HEADER_OVERFLOW = `the request line and headers are larger than ${maxHeaderSize} bytes`;

const DETAIL_BY_STATUS: Record<number, string> = {
  431: `${HEADER_OVERFLOW}; send a long filter in the body of POST /Users/.search or /Groups/.search (RFC 7644 §3.4.3)`,
  408: "the request did not arrive in time",
  400: "the request is not valid HTTP/1.1",
};

/**
 * fastify's `clientErrorHandler`: Node's HTTP parser refused the bytes (431 header overflow, 408,
 * 400), so there is no request object, only the socket. Unlike fastify's default it never logs
 * `err.rawPacket`: those are the raw request bytes, Authorization header included.
 */
export function answerClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  // A reset connection, or one already closed, has no one to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const status = STATUS_BY_PARSER_CODE[error.code] ?? 400;
  this.log.trace({ code: error.code, status }, "client error");
  if (socket.writable) {
    const target = requestTarget(error.rawPacket);
    // The failing packet may start mid-request (a long URL arriving in several reads), so the
    // target is unknown: answer as SCIM then, since a SCIM filter is what makes URLs that long.
    const scim = target === null || isScimUrl(target);
    const body = JSON.stringify(scim
      ? new ScimError(status, null, DETAIL_BY_STATUS[status]!).toJSON()
      : plainError(status, status === 431 ? HEADER_OVERFLOW : DETAIL_BY_STATUS[status]!));
    const type = scim ? SCIM_CONTENT_TYPE : "application/json; charset=utf-8";
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${type}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * fastify's `frameworkErrors`: the router refused the URL before routing, with FST_ERR_MAX_PARAM_LENGTH
 * (414: a path segment over `maxParamLength`, 100 characters; no SCIM id is that long), FST_ERR_BAD_URL
 * (400: a malformed percent-escape) or FST_ERR_ASYNC_CONSTRAINT (500).
 */
export function answerRoutingError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? 414 : error.code === "FST_ERR_BAD_URL" ? 400 : 500;
  const detail = status === 414 ? "a segment of the URL path is longer than 100 characters" : status === 400 ? "the URL is not valid" : "internal server error";
  if (isScimUrl(request.url)) {
    void reply.code(status).type(SCIM_CONTENT_TYPE).send(new ScimError(status, null, detail).toJSON());
  } else {
    void reply.code(status).type("application/json; charset=utf-8").send({ ...plainError(status, detail), code: error.code });
  }
}

/**
 * The root's not-found handler (SCIM has its own): a path the server serves with other methods
 * answers 405 with Allow (RFC 9110 §15.5.6) — `PUT /graphql` is a wrong method, not a missing
 * resource — in GraphQL's error format on the GraphQL endpoint; anything else fastify's 404.
 */
export function answerNotFound(app: FastifyInstance, graphqlPath: string): (request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  return (request, reply) => {
    const path = request.url.split("?")[0];
    const allowed = METHODS.filter((method) => app.hasRoute({ url: path, method }));
    if (allowed.length === 0) return reply.code(404).send(plainError(404, `Route ${request.method}:${path} not found`));
    const message = `${request.method} is not allowed here; ${path} answers ${allowed.join(", ")}`;
    reply.code(405).header("allow", allowed.join(", "));
    if (path === graphqlPath) return reply.send({ errors: [{ message, extensions: { code: "METHOD_NOT_ALLOWED" } }] });
    return reply.send(plainError(405, message));
  };
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

function plainError(status: number, message: string): Record<string, unknown> {
  return { error: STATUS_CODES[status], message, statusCode: status };
}

/** The request target from the start of a raw packet (`GET /scim/v2/Users?… HTTP/1.1`), or null when the packet starts elsewhere. */
function requestTarget(rawPacket: unknown): string | null {
  if (!Buffer.isBuffer(rawPacket)) return null;
  const start = rawPacket.subarray(0, 256).toString("latin1");
  const match = /^[A-Z]{3,10} (\S+)/.exec(start);
  if (!match) return null;
  // The absolute form (`GET http://host/scim/v2/… HTTP/1.1`) names the same path.
  return match[1]!.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
}
