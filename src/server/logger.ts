import type { FastifyServerOptions } from "fastify";

/** Where log lines go: one JSON line per `write` (tests capture them; the server writes to stdout). */
export interface LogDestination {
  write(line: string): void;
}

/**
 * What never reaches a log line, whatever the level: credentials travel in the Authorization header
 * (`Bearer idgk_…` API keys, `Bearer idgs_…` SCIM tokens). Fastify's request serializer omits
 * headers, but other lines carry them: Node's HTTP parser attaches the raw request bytes to a
 * client error (`err.rawPacket`, Authorization header and all), which fastify's default client
 * error handler logs at trace, and any error that keeps its request's headers. The custom client
 * error handler (transport-errors.ts) never logs the packet; these paths are the net under it.
 */
export const REDACTED_LOG_PATHS = [
  "rawPacket",
  "err.rawPacket",
  "err.cause.rawPacket",
  "*.rawPacket",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "headers.cookie",
  'headers["proxy-authorization"]',
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["proxy-authorization"]',
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["proxy-authorization"]',
  "err.headers.authorization",
  "err.request.headers.authorization",
  "err.response.headers.authorization",
];

/**
 * A credential's shape anywhere in a text: API keys, SCIM tokens, webhook signing secrets. None is
 * ever accepted in a URL, but a client may put one there (`?access_token=idgk_…`), and the request
 * line is logged: the serializer below masks them in it.
 */
const CREDENTIAL_IN_TEXT = /(idgk_|idgs_|whsec_)[^&#\s]*/g;

export function withoutCredentials(text: string): string {
  return text.replace(CREDENTIAL_IN_TEXT, "$1[redacted]");
}

/** Fastify's request serializer (the same fields as its own), with credentials masked in the URL. */
function requestForLog(request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) {
  return { method: request.method, url: withoutCredentials(request.url), host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort };
}

/** Fastify's logger options: pino at `level`, writing to `stream` (stdout when absent), with secrets redacted. */
export function loggerOptions(level: string, stream?: LogDestination): FastifyServerOptions["logger"] {
  return { level, redact: { paths: REDACTED_LOG_PATHS, censor: "[redacted]" }, serializers: { req: requestForLog }, ...(stream ? { stream } : {}) };
}
