import type { MikroORM } from "@mikro-orm/core";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { authenticateScimToken } from "../domain/authenticate";
import type { Clock } from "../domain/clock";
import { DomainError } from "../domain/errors";
import { admitRequest, type RateLimits } from "../domain/rate-limits";
import { bearerCredential } from "../domain/secrets";
import { assertCleanRequestText } from "../domain/json-limits";
import { assertJsonMediaType } from "./body/media-type";
import { parseJsonBody } from "./body/json-body";
import "./context";
import { registerDiscoveryRoutes } from "./discovery";
import { ScimError, scimErrorFromDomain } from "./errors";
import { groupsResource } from "./resources/groups";
import { usersResource } from "./resources/users";
import { registerResourceRoutes } from "./routes";
import { registerRootSearch } from "./root-search";

export const SCIM_PATH = "/scim/v2";
export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";
const PUBLIC_PATHS = /^\/scim\/v2\/(ServiceProviderConfig|ResourceTypes|Schemas)(\/|$|\?)/i;

/** Whether a request target (path and query) is served by the SCIM plugin. */
export function isScimUrl(url: string): boolean {
  if (!url.startsWith(SCIM_PATH)) return false;
  const next = url.charAt(SCIM_PATH.length);
  return next === "" || next === "/" || next === "?";
}

/**
 * A SCIM URL without trailing slashes on its path: Microsoft's reference SCIM client asks for
 * `/Users/?filter=…`, the same endpoint as `/Users?filter=…` (fastify's ignoreTrailingSlash would
 * change every route of the server; this is the server's `rewriteUrl`, and touches SCIM only).
 */
export function withoutScimTrailingSlash(url: string): string {
  if (!url.startsWith(`${SCIM_PATH}/`)) return url;
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  let end = path.length;
  while (end > SCIM_PATH.length && path.charCodeAt(end - 1) === 0x2f) end -= 1;
  return end === path.length ? url : path.slice(0, end) + url.slice(path.length);
}

export interface ScimPluginOptions {
  orm: MikroORM;
  limits: RateLimits;
  clock?: Clock;
  /** The server's public URL (config.ts publicUrl); null: SCIM URLs follow each request's scheme and Host. */
  publicUrl?: string | null;
}

/**
 * The SCIM 2.0 service provider, as one encapsulated fastify plugin: its own body parser, token
 * hook, error format and 404, none of which leak into the GraphQL routes.
 */
export async function scimPlugin(app: FastifyInstance, options: ScimPluginOptions): Promise<void> {
  const baseUrlOf = scimBaseUrl(options.publicUrl);
  // One parser for every media type, so the answer to a wrong one is SCIM's 415, not fastify's.
  // An empty body is nothing to interpret, whatever its type (a DELETE that declares JSON).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      assertJsonMediaType(request.headers["content-type"]);
      done(null, parseJsonBody(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.decorateRequest("scim", null);
  app.addHook("onRequest", async (request) => {
    if (PUBLIC_PATHS.test(request.url)) return;
    const credential = bearerCredential(request.headers.authorization);
    if (!credential) throw new ScimError(401, null, "send a SCIM token: Authorization: Bearer <token>");
    const em = options.orm.em.fork();
    const actor = await authenticateScimToken(em, credential, options.clock);
    if (!actor) throw new ScimError(401, null, "the SCIM token is unknown, revoked or expired, or SCIM is disabled for its organization");
    await admitRequest(em, actor, options.limits);
    request.scim = { em, actor, organizationId: actor.organizationId as string, baseUrl: baseUrlOf(request), limits: options.limits };
    // `/Users/a%00b`, `?filter=…%00…`: refused before any of it reaches SQL (domain/validate.ts).
    assertCleanRequestText([request.params, request.query], "the URL");
  });
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("content-type", SCIM_CONTENT_TYPE);
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(app, request.url);
    if (allowed.length === 0) return sendError(ScimError.notFound(`no SCIM endpoint ${request.method} ${request.url}`), request, reply);
    reply.header("allow", allowed.join(", "));
    return sendError(new ScimError(405, null, `${request.method} is not allowed here; this endpoint answers ${allowed.join(", ")}`), request, reply);
  });

  registerDiscoveryRoutes(app, baseUrlOf);
  // RFC 7644 §3.11: a service provider without /Me SHOULD answer 501; Bulk is advertised as
  // unsupported (ServiceProviderConfig), and answers the same.
  const notImplemented = (detail: string) => async () => {
    throw new ScimError(501, null, detail);
  };
  app.route({
    method: ["GET", "POST", "PUT", "PATCH", "DELETE"], url: "/Me",
    handler: notImplemented("/Me is not supported: a SCIM token acts for its organization, not for a user (RFC 7644 §3.11)"),
  });
  app.post("/Bulk", notImplemented("bulk operations are not supported (ServiceProviderConfig: bulk.supported is false); send each operation as its own request"));
  registerResourceRoutes(app, usersResource);
  registerResourceRoutes(app, groupsResource);
  registerRootSearch(app, [usersResource, groupsResource]);
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * The methods the SCIM routes answer at a request's path, read from the router itself (the path's
 * own route, or the `:id` route of its collection): a request with another method gets 405 and
 * an Allow header, not a 404 that says the resource is not there.
 */
function allowedMethods(app: FastifyInstance, url: string): string[] {
  const path = url.split("?")[0];
  const parametric = path.replace(/\/[^/]+$/, "/:id");
  return METHODS.filter((method) => app.hasRoute({ url: path, method }) || app.hasRoute({ url: parametric, method }));
}

/** Where SCIM resources live, as their `location`, `Location` and `$ref` name them. */
function scimBaseUrl(publicUrl: string | null | undefined): (request: FastifyRequest) => string {
  if (publicUrl) {
    const base = `${publicUrl}${SCIM_PATH}`;
    return () => base;
  }
  return (request) => `${request.protocol}://${request.host}${SCIM_PATH}`;
}

/** Every failure answers in the SCIM error format (RFC 7644 §3.12); unknown errors are logged and stay generic. */
function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const scimError = toScimError(error);
  if (scimError.status >= 500) request.log.error({ err: error }, "SCIM request failed");
  if (scimError.status === 401) reply.header("www-authenticate", 'Bearer realm="idgraph SCIM"');
  if (scimError.retryAfterSeconds !== null) reply.header("retry-after", String(scimError.retryAfterSeconds));
  return reply.code(scimError.status).type(SCIM_CONTENT_TYPE).send(scimError.toJSON());
}

function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  if (error instanceof DomainError) return scimErrorFromDomain(error);
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new ScimError(413, null, "the request body is too large");
  if (typeof fastifyError.statusCode === "number" && fastifyError.statusCode < 500) {
    return new ScimError(fastifyError.statusCode, fastifyError.statusCode === 400 ? "invalidSyntax" : null, fastifyError.message ?? "bad request");
  }
  return new ScimError(500, null, "internal server error");
}
