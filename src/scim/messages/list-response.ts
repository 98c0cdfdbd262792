import { LIST_RESPONSE_SCHEMA, type ScimJson } from "../types";

/** RFC 7644 §3.4.2: totalResults counts the whole filtered set, not the page. */
export function listResponse(resources: ScimJson[], totalResults: number, startIndex: number): ScimJson {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
