import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { SearchRequest } from "../domain/queries/search";
import { assertResourceSchemas, unwrapCoreAttributes } from "./body/resource-schemas";
import type { ScimContext } from "./context";
import { entityTagsMatch, etagOf, versionsFromIfMatch } from "./etag";
import { ScimError } from "./errors";
import { compileFilter, compileSortBy } from "./filter/compile";
import { listResponse } from "./messages/list-response";
import { listRequestFromQuery, listRequestFromSearchBody, type ListRequest } from "./messages/search-request";
import { responseBody } from "./json-stream";
import { parseProjection } from "./projection";
import type { ScimResourceType, StoredResource } from "./resources/resource-type";
import type { ScimJson } from "./types";

type IdParams = { Params: { id: string } };

/** The seven endpoints of one resource type (RFC 7644 §3.3–3.6), written once for Users and Groups. */
export function registerResourceRoutes(app: FastifyInstance, type: ScimResourceType): void {
  const base = type.schema.endpoint;

  app.post(base, async (request, reply) => {
    const ctx = scimOf(request);
    const created = await type.create(ctx, resourceBody(type, request.body));
    const [json] = await type.render(ctx, [created], projectionOf(type, request.query), true);
    return sendResource(request, reply.code(201).header("location", `${ctx.baseUrl}${base}/${created.id}`), created, json);
  });

  app.get<IdParams>(`${base}/:id`, async (request, reply) => {
    const ctx = scimOf(request);
    const projection = projectionOf(type, request.query);
    const found = await type.get(ctx, request.params.id, projection);
    const { "if-none-match": ifNoneMatch, "if-match": ifMatch } = request.headers;
    // RFC 7644 §3.14: a client that already holds this version gets 304 and no body (with the
    // ETag, RFC 9110 §15.4.5); one that asks for another version than the current one, 412.
    if (ifNoneMatch !== undefined && entityTagsMatch(ifNoneMatch, found.version)) return reply.code(304).header("etag", etagOf(found.version)).send();
    if (ifMatch !== undefined && !entityTagsMatch(ifMatch, found.version)) throw new ScimError(412, null, `the resource is at version ${etagOf(found.version)}, not one If-Match names`);
    const [json] = await type.render(ctx, [found], projection);
    return sendResource(request, reply, found, json);
  });

  app.get(base, async (request) => responseBody(request, await list(type, scimOf(request), listRequestFromQuery(request.query as Record<string, unknown>))));

  app.post(`${base}/.search`, async (request, reply) => {
    reply.code(200);
    return responseBody(request, await list(type, scimOf(request), listRequestFromSearchBody(request.body)));
  });

  app.put<IdParams>(`${base}/:id`, async (request, reply) => {
    const ctx = scimOf(request);
    const updated = await type.replace(ctx, request.params.id, resourceBody(type, request.body), await ifMatchVersion(type, ctx, request));
    const [json] = await type.render(ctx, [updated], projectionOf(type, request.query));
    return sendResource(request, reply, updated, json);
  });

  app.patch<IdParams>(`${base}/:id`, async (request, reply) => {
    const ctx = scimOf(request);
    const updated = await type.patch(ctx, request.params.id, request.body, await ifMatchVersion(type, ctx, request));
    // RFC 7644 §3.5.2 allows 204 after a PATCH. Groups answer 204 unless the client names the
    // attributes it wants, so a one-member change to a huge group never renders the member list.
    const query = (request.query ?? {}) as Record<string, unknown>;
    if (!type.patchReturnsResource && query.attributes === undefined && query.excludedAttributes === undefined) {
      return reply.code(204).header("etag", etagOf(updated.version)).send();
    }
    const [json] = await type.render(ctx, [updated], projectionOf(type, request.query));
    return sendResource(request, reply, updated, json);
  });

  app.delete<IdParams>(`${base}/:id`, async (request, reply) => {
    const ctx = scimOf(request);
    await type.remove(ctx, request.params.id, await ifMatchVersion(type, ctx, request));
    return reply.code(204).send();
  });
}

/** Runs a list request against one resource type: one page query (and a count when needed). */
export async function list(type: ScimResourceType, ctx: ScimContext, request: ListRequest): Promise<ScimJson> {
  const projection = parseProjection(type.schema, request.attributes, request.excludedAttributes);
  const result = await type.search(ctx, searchRequestFor(type, ctx, request), projection);
  const resources = await type.render(ctx, result.items, projection);
  return listResponse(resources, result.total, request.startIndex);
}

/** Compiles the protocol's filter and sort into the domain's search request. */
export function searchRequestFor(type: ScimResourceType, ctx: ScimContext, request: ListRequest): SearchRequest {
  return {
    organizationId: ctx.organizationId,
    filter: request.filter ? compileFilter(request.filter, type.schema) : null,
    sort: request.sortBy ? compileSortBy(request.sortBy, type.schema) : null,
    descending: request.descending,
    offset: request.startIndex - 1,
    limit: request.count,
  };
}

/**
 * The version a write must find (RFC 7644 §3.14 If-Match), or undefined for any. A list of several
 * tags (RFC 9110 §13.1.1: any of them) is narrowed to the one the resource is at now, read first:
 * the write then still checks it in its own transaction, so a change in between is a 412.
 */
async function ifMatchVersion(type: ScimResourceType, ctx: ScimContext, request: FastifyRequest<IdParams>): Promise<number | undefined> {
  const versions = versionsFromIfMatch(request.headers["if-match"]);
  if (versions === undefined || versions.length === 1) return versions?.[0];
  const { version } = await type.get(ctx, request.params.id, parseProjection(type.schema, "id", undefined));
  if (!versions.includes(version)) throw new ScimError(412, null, `the resource is at version ${etagOf(version)}, not one If-Match names`);
  return version;
}

export function scimOf(request: FastifyRequest): ScimContext {
  if (!request.scim) throw new ScimError(401, null, "authentication required");
  return request.scim;
}

function projectionOf(type: ScimResourceType, query: unknown) {
  const q = (query ?? {}) as Record<string, string | undefined>;
  return parseProjection(type.schema, q.attributes, q.excludedAttributes);
}

/** A POST or PUT body: a JSON object of this resource type (its `schemas`, when sent, say so). */
function resourceBody(type: ScimResourceType, body: unknown): ScimJson {
  if (!body || typeof body !== "object" || Array.isArray(body)) throw ScimError.invalidSyntax("the request body must be a JSON object");
  assertResourceSchemas(body as ScimJson, type.schema);
  return unwrapCoreAttributes(body as ScimJson, type.schema);
}

/**
 * The ETag is the version the resource was read at (etag.ts), never a hash of the body: a group
 * whose members stream has it before its first byte is written.
 */
function sendResource(request: FastifyRequest, reply: FastifyReply, resource: StoredResource, json: ScimJson): FastifyReply {
  return reply.header("etag", etagOf(resource.version)).send(responseBody(request, json));
}
