import type { FilterCollection, FilterValue, GroupProperty, UserProperty, UserValueList } from "../../domain/ports/filter";
import {
  filterableUserAttributes, isFilterable, scimPlaceOf, USER_ATTRIBUTE_ENTRIES, USER_ATTRIBUTE_TABLE, type UserAttributeName,
} from "../../domain/ports/user-attributes";
import { ScimError } from "../errors";
import {
  GROUP_SCHEMA,
  USER_SCHEMA,
  findByName,
  resolveAttributePath,
  schemaAttributes,
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

/** A name that is a JSON key a filter may read (the schemas' spelling; not `$ref`). */
const PLAIN_KEY = /^[A-Za-z][A-Za-z0-9]*$/;

/** Elements of a value list hold each sub-attribute under its own name; only plain names are fields (not `$ref`). */
const valueList = (collection: UserValueList): CollectionTarget => ({
  kind: "collection",
  collection,
  subAttribute: (name) => (PLAIN_KEY.test(name) ? item(name) : unsupported(`${name} cannot be used in a filter`)),
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

/**
 * The user's attributes from the one table (domain/ports/user-attributes.ts), keyed by SCIM name:
 * a property each, the sub-attributes of `name` as a complex target, value lists as collections.
 */
function userAttributeTargets(): Record<string, Target> {
  const targets: Record<string, Target> = {};
  const put = (name: UserAttributeName, target: Target) => {
    const place = scimPlaceOf(USER_ATTRIBUTE_TABLE[name]);
    if (place.at === "core") targets[place.attribute] = target;
    else if (place.at === "subAttribute") {
      const parent = (targets[place.attribute] ??= { kind: "complex", subAttributes: {} }) as ComplexTarget;
      parent.subAttributes[place.subAttribute] = target;
    }
  };
  for (const name of filterableUserAttributes("text", "requiredText", "boolean")) put(name, property(name));
  for (const name of filterableUserAttributes("valueList")) put(name, valueList(name));
  return targets;
}

/**
 * The extension objects of the table (the enterprise extension): each field its schema declares,
 * read by key path; a complex field's sub-attributes likewise (not `$ref`: not a plain key).
 */
function extensionTargets(): Record<string, Record<string, Target>> {
  const targets: Record<string, Record<string, Target>> = {};
  for (const [, entry] of USER_ATTRIBUTE_ENTRIES) {
    const place = scimPlaceOf(entry);
    if (place.at !== "extension" || !isFilterable(entry)) continue;
    const fields: Record<string, Target> = {};
    for (const attribute of schemaAttributes(place.urn)) {
      if (!attribute.subAttributes) {
        fields[attribute.name] = enterpriseField(attribute.name);
        continue;
      }
      const subAttributes: Record<string, Target> = {};
      for (const sub of attribute.subAttributes) if (PLAIN_KEY.test(sub.name)) subAttributes[sub.name] = enterpriseField(attribute.name, sub.name);
      fields[attribute.name] = { kind: "complex", subAttributes };
    }
    targets[place.urn] = fields;
  }
  return targets;
}

/** SCIM attribute → filter vocabulary, per resource type and schema URN, keyed by the schema's spelling of the name. */
const TARGETS: Record<ResourceTypeName, Record<string, Record<string, Target>>> = {
  User: {
    [USER_SCHEMA]: {
      ...userAttributeTargets(),
      ...COMMON("User"),
      // Every group the user is in, directly ("direct") or through nested groups ("indirect", RFC 7643 §4.1.2).
      groups: itemsOf("groups", ["value", "display", "type"]),
    },
    ...extensionTargets(),
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
