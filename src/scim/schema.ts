import RESOURCE_TYPES from "../../schema/scim/ResourceTypes.json";
import SCHEMAS from "../../schema/scim/Schemas.json";
import SERVICE_PROVIDER_CONFIG from "../../schema/scim/ServiceProviderConfig.json";

/**
 * The SCIM schemas (RFC 7643 §7), loaded from the JSON documents in schema/scim/ that discovery
 * serves. They are the one description of attributes that filters, PATCH and rendering consult,
 * so what /Schemas tells an IdP is what the server does.
 */
export interface AttributeSchema {
  name: string;
  type: "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "binary" | "complex";
  multiValued: boolean;
  caseExact: boolean;
  mutability: "readOnly" | "readWrite" | "immutable" | "writeOnly";
  returned: "always" | "never" | "default" | "request";
  uniqueness: "none" | "server" | "global";
  required: boolean;
  subAttributes?: AttributeSchema[];
}

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export type ResourceTypeName = "User" | "Group";

export interface ResourceSchema {
  name: ResourceTypeName;
  endpoint: string;
  coreSchema: string;
  extensionSchemas: string[];
}

/** Attributes every resource has (RFC 7643 §3.1), not listed in the schema documents. */
const COMMON_ATTRIBUTES: AttributeSchema[] = [
  common("id", "string", { caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server" }),
  common("externalId", "string", { caseExact: true }),
  common("meta", "complex", {
    mutability: "readOnly",
    subAttributes: [
      common("resourceType", "string", { caseExact: true, mutability: "readOnly" }),
      common("created", "dateTime", { mutability: "readOnly" }),
      common("lastModified", "dateTime", { mutability: "readOnly" }),
      common("location", "reference", { caseExact: true, mutability: "readOnly" }),
      common("version", "string", { caseExact: true, mutability: "readOnly" }),
    ],
  }),
];

function common(name: string, type: AttributeSchema["type"], overrides: Partial<AttributeSchema> = {}): AttributeSchema {
  return { name, type, multiValued: false, caseExact: false, mutability: "readWrite", returned: "default", uniqueness: "none", required: false, ...overrides };
}

const attributesBySchema = new Map<string, AttributeSchema[]>(
  (SCHEMAS as Array<{ id: string; attributes: AttributeSchema[] }>).map((s) => [s.id.toLowerCase(), s.attributes]),
);

export const RESOURCE_SCHEMAS: Record<ResourceTypeName, ResourceSchema> = {
  User: { name: "User", endpoint: "/Users", coreSchema: USER_SCHEMA, extensionSchemas: [ENTERPRISE_USER_SCHEMA] },
  Group: { name: "Group", endpoint: "/Groups", coreSchema: GROUP_SCHEMA, extensionSchemas: [] },
};

/**
 * A core schema's attributes: the common ones (RFC 7643 §3.1) and the document's. A common
 * attribute the document lists itself is taken once, from the document: Schemas.json lists
 * `externalId` on User and Group because Entra ID's validator looks for it there, with the same
 * definition as COMMON_ATTRIBUTES (caseExact, readWrite), so filters and PATCH read it alike.
 */
function withCommonAttributes(documented: AttributeSchema[]): AttributeSchema[] {
  return [...COMMON_ATTRIBUTES.filter((common) => !findByName(documented, common.name)), ...documented];
}

const coreAttributesBySchema = new Map<string, AttributeSchema[]>(
  [USER_SCHEMA, GROUP_SCHEMA].map((urn) => [urn, withCommonAttributes(attributesBySchema.get(urn.toLowerCase()) ?? [])]),
);

/** The attributes of a schema URN (core or extension), plus the common ones for core schemas. */
export function schemaAttributes(schemaUrn: string): AttributeSchema[] {
  return coreAttributesBySchema.get(schemaUrn) ?? attributesBySchema.get(schemaUrn.toLowerCase()) ?? [];
}

/** A resolved attribute path: `name.givenName`, `emails.value`, `urn:…:enterprise:2.0:User:manager.value`. */
export interface ResolvedPath {
  schemaUrn: string;
  attribute: AttributeSchema;
  subAttribute: AttributeSchema | null;
}

/**
 * Resolves an attribute path against a resource type, case-insensitively (RFC 7644 §3.10:
 * attribute names are case-insensitive). A path may be qualified with its schema URN. Returns
 * null for an attribute the schemas do not define.
 */
export function resolveAttributePath(resource: ResourceSchema, path: string): ResolvedPath | null {
  let schemaUrn = resource.coreSchema;
  let rest = path;
  if (/^urn:/i.test(path)) {
    const urn = [resource.coreSchema, ...resource.extensionSchemas].find((u) => path.toLowerCase().startsWith(`${u.toLowerCase()}:`));
    if (!urn) return null;
    schemaUrn = urn;
    rest = path.slice(urn.length + 1);
  }
  const [name, subName, ...extra] = rest.split(".");
  if (extra.length > 0 || !name) return null;
  const attribute = findByName(schemaAttributes(schemaUrn), name);
  if (!attribute) return null;
  if (subName === undefined) return { schemaUrn, attribute, subAttribute: null };
  const subAttribute = findByName(attribute.subAttributes ?? [], subName);
  return subAttribute ? { schemaUrn, attribute, subAttribute } : null;
}

export function findByName(attributes: AttributeSchema[], name: string): AttributeSchema | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === wanted);
}

export { RESOURCE_TYPES, SCHEMAS, SERVICE_PROVIDER_CONFIG };
