import type { SearchRequest, SearchResult } from "../../domain/queries/search";
import type { ScimContext } from "../context";
import type { Projection } from "../projection";
import type { ResourceSchema } from "../schema";
import type { ScimJson } from "../types";

/** A stored resource as the routes see it: enough to answer ETag and Location. */
export interface StoredResource {
  id: string;
  version: number;
}

/**
 * One SCIM resource type (Users, Groups): how its requests become domain commands and queries,
 * and how its entities become SCIM JSON. The routes are written once against this.
 */
export interface ScimResourceType<T extends StoredResource = StoredResource> {
  schema: ResourceSchema;
  /** Whether a successful PATCH answers 200 with the resource (else 204 unless attributes are asked for). */
  patchReturnsResource: boolean;
  create(ctx: ScimContext, body: ScimJson): Promise<T>;
  /** `projection`: what the answer will render, so related data it needs can be read with the row. */
  get(ctx: ScimContext, id: string, projection: Projection): Promise<T>;
  search(ctx: ScimContext, request: SearchRequest, projection: Projection): Promise<SearchResult<T>>;
  replace(ctx: ScimContext, id: string, body: ScimJson, ifVersion: number | undefined): Promise<T>;
  patch(ctx: ScimContext, id: string, body: unknown, ifVersion: number | undefined): Promise<T>;
  remove(ctx: ScimContext, id: string, ifVersion: number | undefined): Promise<void>;
  /**
   * Renders many at once, loading related data (groups, members) in one query, only if projected.
   * `justCreated`: the items were created by this request, so they belong to no group yet.
   */
  render(ctx: ScimContext, items: T[], projection: Projection, justCreated?: boolean): Promise<ScimJson[]>;
}
