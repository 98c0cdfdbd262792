import type { FilterCollection, FilterValue, GroupProperty, UserProperty, UserValueList } from "../../domain/ports/filter";
import { ScimError } from "../errors";
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_SCHEMA,
  USER_SCHEMA,
  findByName,
  resolveAttributePath,
  type AttributeSchema,
  type ResourceSchema,
  type ResourceTypeName,
} from "../schema";

/**
 * The one SCIM attribute map: which attribute of the domain's filter vocabulary
 * (domain/ports/filter.ts) each SCIM attribute of a resource is. Filters (compile.ts) and sortBy
 * (sort.ts) both read it, so both agree on what `userName` or `emails.value` means, and both
 * refuse the same attributes. Where those attributes live in a database is the store's business.
 */

/** One value a comparison reads: of the resource or of an element, or a constant of the server. */
export type ScalarTarget =
  | { kind: "value"; value: FilterValue }
  /** Fixed by the server (`meta.resourceType`): comparisons with it are known before any row is read. */
  | { kind: "constant"; value: string };

/** A singular complex attribute (`name`, `meta`, enterprise `manager`): sub-attributes only. */
export interface ComplexTarget {
  kind: "complex";
  subAttributes: Record<string, Target>;
}

/** A multi-valued attribute: a collection whose elements hold the sub-attributes. */
export interface CollectionTarget {
  kind: "collection";
  collection: FilterCollection;
  /** The sub-attribute `name` (canonical schema spelling) of one element. */
  subAttribute(name: string): Target | undefined;
}

export interface UnsupportedTarget {
  kind: "unsupported";
  reason: string;
}

export type Target = ScalarTarget | ComplexTarget | CollectionTarget | UnsupportedTarget;

const property = (name: UserProperty | GroupProperty): ScalarTarget => ({ kind: "value", value: { kind: "property", name } });

const item = (name: string): ScalarTarget => ({ kind: "value", value: { kind: "item", name } });

const unsupported = (reason: string): UnsupportedTarget => ({ kind: "unsupported", reason });

const enterpriseField = (...keys: string[]): ScalarTarget => ({ kind: "value", value: { kind: "extension", keys } });

/** Elements of a value list hold each sub-attribute under its own name; only plain names are fields (not `$ref`). */
const valueList = (collection: UserValueList): CollectionTarget => ({
  kind: "collection",
  collection,
  subAttribute: (name) => (/^[A-Za-z][A-Za-z0-9]*$/.test(name) ? item(name) : unsupported(`${name} cannot be used in a filter`)),
});

/** A collection whose items are a fixed few (`groups`, `members`). */
const itemsOf = (collection: FilterCollection, names: string[]): CollectionTarget => ({
  kind: "collection",
  collection,
  subAttribute: (name) => (names.includes(name) ? item(name) : unsupported(`${collection}.${name} cannot be used in a filter`)),
});

const META = (resource: ResourceTypeName): ComplexTarget => ({
  kind: "complex",
  subAttributes: {
    resourceType: { kind: "constant", value: resource },
    created: property("createdAt"),
    lastModified: property("updatedAt"),
    location: unsupported("meta.location cannot be used in a filter"),
    version: unsupported("meta.version cannot be used in a filter"),
  },
});

const COMMON = (resource: ResourceTypeName): Record<string, Target> => ({
  id: property("id"),
  externalId: property("externalId"),
  meta: META(resource),
});

/** SCIM attribute → filter vocabulary, per resource type and schema URN, keyed by the schema's spelling of the name. */
const TARGETS: Record<ResourceTypeName, Record<string, Record<string, Target>>> = {
  User: {
    [USER_SCHEMA]: {
      ...COMMON("User"),
      userName: property("userName"),
      name: {
        kind: "complex",
        subAttributes: {
          formatted: property("formattedName"),
          familyName: property("familyName"),
          givenName: property("givenName"),
          middleName: property("middleName"),
          honorificPrefix: property("honorificPrefix"),
          honorificSuffix: property("honorificSuffix"),
        },
      },
      displayName: property("displayName"),
      nickName: property("nickName"),
      profileUrl: property("profileUrl"),
      title: property("title"),
      userType: property("userType"),
      preferredLanguage: property("preferredLanguage"),
      locale: property("locale"),
      timezone: property("timezone"),
      active: property("active"),
      emails: valueList("emails"),
      phoneNumbers: valueList("phoneNumbers"),
      ims: valueList("ims"),
      photos: valueList("photos"),
      addresses: valueList("addresses"),
      // Every group the user is in, directly ("direct") or through nested groups ("indirect", RFC 7643 §4.1.2).
      groups: itemsOf("groups", ["value", "display", "type"]),
      entitlements: valueList("entitlements"),
      roles: valueList("roles"),
      x509Certificates: valueList("x509Certificates"),
    },
    [ENTERPRISE_USER_SCHEMA]: {
      employeeNumber: enterpriseField("employeeNumber"),
      costCenter: enterpriseField("costCenter"),
      organization: enterpriseField("organization"),
      division: enterpriseField("division"),
      department: enterpriseField("department"),
      manager: {
        kind: "complex",
        subAttributes: {
          value: enterpriseField("manager", "value"),
          displayName: enterpriseField("manager", "displayName"),
        },
      },
    },
  },
  Group: {
    [GROUP_SCHEMA]: {
      ...COMMON("Group"),
      displayName: property("displayName"),
      members: itemsOf("members", ["value", "type", "display"]),
    },
  },
};

/** Where an attribute path points: one scalar, a singular complex attribute, or a collection. */
export type Located =
  | { kind: "scalar"; schema: AttributeSchema; target: ScalarTarget }
  | { kind: "complex"; schema: AttributeSchema; target: ComplexTarget }
  | { kind: "collection"; schema: AttributeSchema; target: CollectionTarget; sub: { schema: AttributeSchema; target: ScalarTarget } | null };

/**
 * Resolves a path (`userName`, `name.givenName`, `emails.value`, URN-qualified, any case) to its
 * target, or throws invalidFilter: unknown attributes, `returned: "never"` ones (password,
 * RFC 7643 §7) and attributes that cannot be searched.
 */
export function locateAttribute(resource: ResourceSchema, path: string): Located {
  const resolved = resolveAttributePath(resource, path);
  if (!resolved) throw ScimError.invalidFilter(`unknown attribute "${path}" for ${resource.name} resources`);
  const { schemaUrn, attribute, subAttribute } = resolved;
  refuseNeverReturned(attribute, path);
  const target = TARGETS[resource.name][schemaUrn]?.[attribute.name] ?? unsupported(`${attribute.name} cannot be used in a filter`);
  if (target.kind === "unsupported") throw ScimError.invalidFilter(target.reason);
  if (target.kind === "value" || target.kind === "constant") return { kind: "scalar", schema: attribute, target };
  if (target.kind === "complex") {
    return subAttribute ? locateSubAttribute(target, attribute, subAttribute.name) : { kind: "complex", schema: attribute, target };
  }
  return { kind: "collection", schema: attribute, target, sub: subAttribute ? elementSubAttribute(target, attribute, subAttribute.name) : null };
}

/** A sub-attribute of a singular complex attribute, by name as written (inside `name[…]` too). */
export function locateSubAttribute(complex: ComplexTarget, parent: AttributeSchema, name: string): Extract<Located, { kind: "scalar" }> {
  const schema = findByName(parent.subAttributes ?? [], name);
  if (!schema) throw ScimError.invalidFilter(`unknown sub-attribute "${name}" of ${parent.name}`);
  refuseNeverReturned(schema, `${parent.name}.${name}`);
  const target = complex.subAttributes[schema.name] ?? unsupported(`${parent.name}.${schema.name} cannot be used in a filter`);
  return { kind: "scalar", schema, target: scalarOrRefuse(target, `${parent.name}.${schema.name}`) };
}

/** A sub-attribute of one element of a multi-valued attribute (`emails.type`, or `type` inside `emails[…]`). */
export function elementSubAttribute(collection: CollectionTarget, parent: AttributeSchema, name: string): { schema: AttributeSchema; target: ScalarTarget } {
  const schema = findByName(parent.subAttributes ?? [], name);
  if (!schema) throw ScimError.invalidFilter(`unknown sub-attribute "${name}" of ${parent.name}`);
  refuseNeverReturned(schema, `${parent.name}.${name}`);
  const target = collection.subAttribute(schema.name) ?? unsupported(`${parent.name}.${schema.name} cannot be used in a filter`);
  return { schema, target: scalarOrRefuse(target, `${parent.name}.${schema.name}`) };
}

function scalarOrRefuse(target: Target, path: string): ScalarTarget {
  if (target.kind === "value" || target.kind === "constant") return target;
  throw ScimError.invalidFilter(target.kind === "unsupported" ? target.reason : `${path} is not a simple value`);
}

function refuseNeverReturned(attribute: AttributeSchema, path: string): void {
  // RFC 7643 §7: a "returned": "never" attribute (password) must not be probed through filters.
  if (attribute.returned === "never") throw ScimError.invalidFilter(`${path} cannot be used in a filter: it is never returned`);
}
