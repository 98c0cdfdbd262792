/** SCIM JSON at the edges: a resource as rendered or received, and the list/search messages. */
export type ScimJson = Record<string, unknown>;

export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
