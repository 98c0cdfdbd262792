import { ScimError } from "../errors";
import type { ResourceSchema } from "../schema";
import type { ScimJson } from "../types";

/**
 * RFC 7643 §3: a resource's `schemas` lists its core schema URN. On POST and PUT a body whose
 * `schemas` does not (a Group posted to /Users) is refused instead of being read as the wrong
 * kind of resource. URNs compare case-insensitively (RFC 7643 §2.1, RFC 8141). A body without
 * `schemas` (or with an empty list) is accepted: Okta and Entra ID always send it, but
 * hand-written clients and this project's own tests create groups from `{ "displayName": … }`,
 * and nothing is ambiguous then.
 */
export function assertResourceSchemas(body: ScimJson, resource: ResourceSchema): void {
  const schemas = body.schemas;
  if (schemas === undefined || schemas === null) return;
  // A single URN as a string is a list of one, as values.ts reads other multi-valued attributes.
  const list = typeof schemas === "string" ? [schemas] : schemas;
  if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) {
    throw ScimError.invalidSyntax("schemas must be an array of schema URNs");
  }
  // An empty list is unassigned (RFC 7643 §2.5), as good as no `schemas` at all.
  if (list.length === 0) return;
  const core = resource.coreSchema.toLowerCase();
  if (!list.some((urn) => urn.toLowerCase() === core)) {
    const listed = list.slice(0, 3).join(", ") + (list.length > 3 ? ", …" : "");
    throw ScimError.invalidSyntax(`schemas must contain ${resource.coreSchema} for ${resource.endpoint}; it lists ${listed}`);
  }
}

/**
 * A body whose core attributes come wrapped under their schema URN
 * (`{"urn:ietf:params:scim:schemas:core:2.0:User": {"userName": …}}`, as a fully qualified
 * attribute name may be written: RFC 7644 §3.10) gets them at the top level, where the resource
 * keeps them and where a PATCH with the same URN already puts them — not stored as an unknown
 * extension. The same attribute given both ways is ambiguous: 400 invalidSyntax.
 */
export function unwrapCoreAttributes(body: ScimJson, resource: ResourceSchema): ScimJson {
  const core = resource.coreSchema.toLowerCase();
  const key = Object.keys(body).find((name) => name.toLowerCase() === core);
  if (key === undefined) return body;
  const wrapped = body[key];
  if (wrapped === null || typeof wrapped !== "object" || Array.isArray(wrapped)) {
    throw ScimError.invalidSyntax(`${key} must be an object of ${resource.name} attributes`);
  }
  const { [key]: _wrapped, ...rest } = body;
  const topLevel = new Set(Object.keys(rest).map((name) => name.toLowerCase()));
  for (const [name, value] of Object.entries(wrapped as ScimJson)) {
    if (topLevel.has(name.toLowerCase())) throw ScimError.invalidSyntax(`${name} is given both at the top level and under ${key}`);
    rest[name] = value;
  }
  return rest;
}
