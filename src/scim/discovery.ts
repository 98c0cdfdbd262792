import type { FastifyInstance, FastifyRequest } from "fastify";
import { ScimError } from "./errors";
import { listResponse } from "./messages/list-response";
import { MAX_RESULTS } from "./messages/search-request";
import { RESOURCE_TYPES, SCHEMAS, SERVICE_PROVIDER_CONFIG } from "./schema";
import type { ScimJson } from "./types";

/**
 * RFC 7644 §4: ServiceProviderConfig, ResourceTypes and Schemas, served from the JSON documents
 * in schema/scim/ with absolute locations. They describe no tenant data, so they need no token:
 * a client learns from them how to authenticate.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, baseUrlOf: (request: FastifyRequest) => string): void {
  const located = (doc: ScimJson, request: FastifyRequest): ScimJson => {
    const meta = doc.meta as ScimJson;
    return { ...doc, meta: { ...meta, location: `${baseUrlOf(request)}${String(meta.location).replace(/^\/v2/, "")}` } };
  };

  if ((SERVICE_PROVIDER_CONFIG.filter as ScimJson).maxResults !== MAX_RESULTS) {
    throw new Error("schema/scim/ServiceProviderConfig.json filter.maxResults must equal MAX_RESULTS");
  }

  // RFC 7644 §4: a filter on these endpoints SHOULD be refused with 403, so no client takes the
  // whole answer for a filtered one.
  const noFilter = { preHandler: async (request: FastifyRequest) => refuseFilter(request) };

  app.get("/ServiceProviderConfig", noFilter, async (request) => located(SERVICE_PROVIDER_CONFIG, request));

  app.get("/ResourceTypes", noFilter, async (request) => listResponse(RESOURCE_TYPES.map((doc) => located(doc, request)), RESOURCE_TYPES.length, 1));
  app.get<{ Params: { id: string } }>("/ResourceTypes/:id", noFilter, async (request) => {
    const doc = RESOURCE_TYPES.find((t) => t.id.toLowerCase() === request.params.id.toLowerCase());
    if (!doc) throw ScimError.notFound(`no resource type ${request.params.id}`);
    return located(doc, request);
  });

  app.get("/Schemas", noFilter, async (request) => listResponse(SCHEMAS.map((doc) => located(doc, request)), SCHEMAS.length, 1));
  app.get<{ Params: { id: string } }>("/Schemas/:id", noFilter, async (request) => {
    const doc = SCHEMAS.find((s) => s.id.toLowerCase() === request.params.id.toLowerCase());
    if (!doc) throw ScimError.notFound(`no schema ${request.params.id}`);
    return located(doc, request);
  });
}

function refuseFilter(request: FastifyRequest): void {
  if ((request.query as Record<string, unknown> | undefined)?.filter !== undefined) {
    throw new ScimError(403, null, "the discovery endpoints take no filter (RFC 7644 §4): read the whole list");
  }
}
