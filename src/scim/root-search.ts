import type { FastifyInstance } from "fastify";
import type { ScimContext } from "./context";
import { ScimError } from "./errors";
import { responseBody } from "./json-stream";
import { listResponse } from "./messages/list-response";
import { listRequestFromSearchBody, type ListRequest } from "./messages/search-request";
import { parseProjection } from "./projection";
import type { ScimResourceType } from "./resources/resource-type";
import { scimOf, searchRequestFor } from "./routes";
import type { ScimJson } from "./types";

/**
 * POST /.search at the service root (RFC 7644 §3.4.3): the same query across every resource
 * type, paged over their concatenation. A type whose schema lacks an attribute the filter names
 * contributes nothing; the filter is invalid only if no type can evaluate it.
 */
export function registerRootSearch(app: FastifyInstance, types: ScimResourceType[]): void {
  app.post("/.search", async (request, reply) => {
    reply.code(200);
    return responseBody(request, await searchAll(types, scimOf(request), listRequestFromSearchBody(request.body)));
  });
}

async function searchAll(types: ScimResourceType[], ctx: ScimContext, request: ListRequest): Promise<ScimJson> {
  const searchable: Array<{ type: ScimResourceType; total: number }> = [];
  let lastError: ScimError | null = null;
  for (const type of types) {
    try {
      const { total } = await type.search(ctx, { ...searchRequestFor(type, ctx, request), limit: 0 }, projectionOf(type, request));
      searchable.push({ type, total });
    } catch (error) {
      if (!(error instanceof ScimError) || error.scimType !== "invalidFilter") throw error;
      lastError = error;
    }
  }
  if (searchable.length === 0 && lastError) throw lastError;

  const resources: ScimJson[] = [];
  let skip = request.startIndex - 1;
  let room = request.count;
  for (const { type, total } of searchable) {
    if (room > 0 && skip < total) {
      const projection = projectionOf(type, request);
      const page = await type.search(ctx, { ...searchRequestFor(type, ctx, request), offset: skip, limit: room }, projection);
      resources.push(...(await type.render(ctx, page.items, projection)));
      room -= page.items.length;
    }
    skip = Math.max(0, skip - total);
  }
  return listResponse(resources, searchable.reduce((sum, s) => sum + s.total, 0), request.startIndex);
}

function projectionOf(type: ScimResourceType, request: ListRequest) {
  return parseProjection(type.schema, request.attributes, request.excludedAttributes);
}
