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
import { userGroupsWalk } from "../../store/memberships";
import type { SqlDialect } from "./dialect";

/**
 * The one attribute map: where each SCIM attribute of a resource lives in SQL. Filters
 * (compile.ts) and sortBy (sort.ts) both read it, so both agree on what `userName` or
 * `emails.value` means. Every SQL name here is a constant of this file: nothing a client sends
 * ever reaches the SQL text.
 */

/** SQL text plus its bound values, in `?` order. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** One value readable in SQL: a column, a JSON field, a constant or a derived expression. */
export interface ScalarTarget {
  kind: "scalar";
  /** The value; `alias` is the resource table's alias, or the element alias inside a collection. */
  expr(alias: string, dialect: SqlDialect): string;
  /**
   * An indexed expression already holding the lower-cased value (`user_name_key`): case-insensitive
   * comparisons bind the lower-cased operand against it, so `userName eq` is an index search.
   */
  key?(alias: string): string;
  /** Booleans inside a JSON document bind through `dialect.jsonBooleanParam`. */
  inJson?: boolean;
  /** A cheaper, index-friendly form of `eq` for derived values; null falls back to `expr`. */
  eq?(alias: string, value: string): { sql: string; params: unknown[]; nullable: boolean } | null;
}

/** A singular complex attribute (`name`, `meta`, enterprise `manager`): sub-attributes only. */
export interface ComplexTarget {
  kind: "complex";
  subAttributes: Record<string, Target>;
}

/** A multi-valued attribute: a source of element rows, each with its sub-attributes. */
export interface CollectionTarget {
  kind: "collection";
  /** FROM items yielding one row per value, aliased `element`, and the condition tying them to the resource row. */
  source(alias: string, element: string, dialect: SqlDialect): { from: string; where: string | null };
  /** The sub-attribute `name` (canonical schema spelling) of the element aliased `element`. */
  subAttribute(name: string): Target | undefined;
  /** ORDER BY terms putting the primary value first, then the first (RFC 7644 §3.4.2.3); absent: not sortable. */
  primaryFirst?(element: string, dialect: SqlDialect): string;
}

export interface UnsupportedTarget {
  kind: "unsupported";
  reason: string;
}

export type Target = ScalarTarget | ComplexTarget | CollectionTarget | UnsupportedTarget;

const column = (name: string, key?: string): ScalarTarget => ({
  kind: "scalar",
  expr: (alias) => `${alias}.${name}`,
  ...(key ? { key: (alias: string) => `${alias}.${key}` } : {}),
});

/** A value fixed by the server (`meta.resourceType`); the literal comes from this file, never a request. */
const constant = (value: ResourceTypeName): ScalarTarget => ({ kind: "scalar", expr: () => `'${value}'` });

const unsupported = (reason: string): UnsupportedTarget => ({ kind: "unsupported", reason });

/** Ids are lower-case UUIDv7 (store/ids.ts), so an id column is its own lower-cased key. */
const idColumn = (expr: (alias: string) => string): ScalarTarget => ({ kind: "scalar", expr, key: expr });

/** Schema names become JSON path keys; refuse anything but plain names so a path can never be SQL. */
const JSON_KEY = /^[A-Za-z][A-Za-z0-9]*$/;

const enterpriseField = (...keys: string[]): ScalarTarget => ({
  kind: "scalar",
  inJson: true,
  expr: (alias, dialect) => dialect.jsonPathField(`${alias}.enterprise`, keys),
});

/** A multi-valued attribute kept as a JSON array of objects; each sub-attribute is stored under its own name. */
const jsonArray = (columnName: string): CollectionTarget => ({
  kind: "collection",
  source: (alias, element, dialect) => ({ from: dialect.jsonArrayElements(`${alias}.${columnName}`, element), where: null }),
  subAttribute: (name) =>
    JSON_KEY.test(name)
      ? { kind: "scalar", inJson: true, expr: (element, dialect) => dialect.jsonElementField(element, name) }
      : unsupported(`${name} cannot be used in a filter`),
  primaryFirst: (element, dialect) => dialect.jsonPrimaryFirst(element),
});

const META = (resource: ResourceTypeName): ComplexTarget => ({
  kind: "complex",
  subAttributes: {
    resourceType: constant(resource),
    created: column("created_at"),
    lastModified: column("updated_at"),
    location: unsupported("meta.location cannot be used in a filter"),
    version: unsupported("meta.version cannot be used in a filter"),
  },
});

const COMMON = (resource: ResourceTypeName): Record<string, Target> => ({
  id: column("id"),
  externalId: column("external_id"),
  meta: META(resource),
});

/**
 * A user's groups, as rendered (store/memberships.ts userGroupsWalk, the same walk): every group it
 * is in, directly ("direct") or through nested groups at any depth ("indirect", RFC 7643 §4.1.2),
 * one row per group. The walk up the group graph is a recursive query correlated on the user row.
 */
const USER_GROUPS: CollectionTarget = {
  kind: "collection",
  source: (alias, m) => ({ from: `${userGroupsWalk(`${alias}.id`, `${m}_reach`)} ${m}`, where: null }),
  subAttribute: (name) =>
    ({
      value: idColumn((m) => `${m}.group_id`),
      display: {
        kind: "scalar",
        expr: (m) => `(SELECT ${m}g.display_name FROM "group" ${m}g WHERE ${m}g.id = ${m}.group_id)`,
        key: (m) => `(SELECT ${m}g.display_name_key FROM "group" ${m}g WHERE ${m}g.id = ${m}.group_id)`,
      },
      type: { kind: "scalar", expr: (m) => `CASE WHEN ${m}.direct = 1 THEN 'direct' ELSE 'indirect' END` },
    } satisfies Record<string, Target>)[name] ?? unsupported(`groups.${name} cannot be used in a filter`),
};

/** A group's members: each group_membership row holds a user or a group, never both. */
const GROUP_MEMBERS: CollectionTarget = {
  kind: "collection",
  source: (alias, m) => ({ from: `group_membership ${m}`, where: `${m}.group_id = ${alias}.id` }),
  subAttribute: (name) =>
    ({
      value: {
        ...idColumn((m) => `coalesce(${m}.member_user_id, ${m}.member_group_id)`),
        // Two equalities the unique (group_id, member_*) indexes answer, instead of an expression.
        eq: (m, value) => ({ sql: `(${m}.member_user_id = ? OR ${m}.member_group_id = ?)`, params: [value.toLowerCase(), value.toLowerCase()], nullable: true }),
      },
      type: {
        kind: "scalar",
        expr: (m) => `CASE WHEN ${m}.member_user_id IS NOT NULL THEN 'User' ELSE 'Group' END`,
        eq: (m, value) => {
          const kind = value.toLowerCase();
          if (kind === "user") return { sql: `${m}.member_user_id IS NOT NULL`, params: [], nullable: false };
          if (kind === "group") return { sql: `${m}.member_group_id IS NOT NULL`, params: [], nullable: false };
          return null;
        },
      },
      // As rendered (store/memberships.ts membersOfGroups): a user member shows its displayName,
      // else its userName; a group member its displayName.
      display: {
        kind: "scalar",
        expr: (m) =>
          `coalesce((SELECT coalesce(${m}u.display_name, ${m}u.user_name) FROM "user" ${m}u WHERE ${m}u.id = ${m}.member_user_id), ` +
          `(SELECT ${m}g.display_name FROM "group" ${m}g WHERE ${m}g.id = ${m}.member_group_id))`,
      },
    } satisfies Record<string, Target>)[name] ?? unsupported(`members.${name} cannot be used in a filter`),
};

/** Attribute → SQL, per resource type and schema URN, keyed by the schema's spelling of the name. */
const TARGETS: Record<ResourceTypeName, Record<string, Record<string, Target>>> = {
  User: {
    [USER_SCHEMA]: {
      ...COMMON("User"),
      // user_name_key = lower(userName) (userName is stored trimmed), unique per org.
      userName: column("user_name", "user_name_key"),
      name: {
        kind: "complex",
        subAttributes: {
          formatted: column("formatted_name"),
          familyName: column("family_name"),
          givenName: column("given_name"),
          middleName: column("middle_name"),
          honorificPrefix: column("honorific_prefix"),
          honorificSuffix: column("honorific_suffix"),
        },
      },
      displayName: column("display_name"),
      nickName: column("nick_name"),
      profileUrl: column("profile_url"),
      title: column("title"),
      userType: column("user_type"),
      preferredLanguage: column("preferred_language"),
      locale: column("locale"),
      timezone: column("timezone"),
      active: column("active"),
      emails: jsonArray("emails"),
      phoneNumbers: jsonArray("phone_numbers"),
      ims: jsonArray("ims"),
      photos: jsonArray("photos"),
      addresses: jsonArray("addresses"),
      groups: USER_GROUPS,
      entitlements: jsonArray("entitlements"),
      roles: jsonArray("roles"),
      x509Certificates: jsonArray("x509certificates"),
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
      // display_name_key = lower(displayName), unique per org.
      displayName: column("display_name", "display_name_key"),
      members: GROUP_MEMBERS,
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
 * SQL target, or throws invalidFilter: unknown attributes, `returned: "never"` ones (password,
 * RFC 7643 §7) and attributes the store cannot query.
 */
export function locateAttribute(resource: ResourceSchema, path: string): Located {
  const resolved = resolveAttributePath(resource, path);
  if (!resolved) throw ScimError.invalidFilter(`unknown attribute "${path}" for ${resource.name} resources`);
  const { schemaUrn, attribute, subAttribute } = resolved;
  refuseNeverReturned(attribute, path);
  const target = TARGETS[resource.name][schemaUrn]?.[attribute.name] ?? unsupported(`${attribute.name} cannot be used in a filter`);
  if (target.kind === "unsupported") throw ScimError.invalidFilter(target.reason);
  if (target.kind === "scalar") return { kind: "scalar", schema: attribute, target };
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
  if (target.kind !== "scalar") throw ScimError.invalidFilter(target.kind === "unsupported" ? target.reason : `${parent.name}.${schema.name} is not a simple value`);
  return { kind: "scalar", schema, target };
}

/** A sub-attribute of one element of a multi-valued attribute (`emails.type`, or `type` inside `emails[…]`). */
export function elementSubAttribute(collection: CollectionTarget, parent: AttributeSchema, name: string): { schema: AttributeSchema; target: ScalarTarget } {
  const schema = findByName(parent.subAttributes ?? [], name);
  if (!schema) throw ScimError.invalidFilter(`unknown sub-attribute "${name}" of ${parent.name}`);
  refuseNeverReturned(schema, `${parent.name}.${name}`);
  const target = collection.subAttribute(schema.name) ?? unsupported(`${parent.name}.${schema.name} cannot be used in a filter`);
  if (target.kind !== "scalar") throw ScimError.invalidFilter(target.kind === "unsupported" ? target.reason : `${parent.name}.${schema.name} is not a simple value`);
  return { schema, target };
}

/** Aliases are written into the SQL, so they must be identifiers the caller chose, never input. */
export function assertAlias(alias: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) throw new Error(`not a SQL alias: ${JSON.stringify(alias)}`);
}

function refuseNeverReturned(attribute: AttributeSchema, path: string): void {
  // RFC 7643 §7: a "returned": "never" attribute (password) must not be probed through filters.
  if (attribute.returned === "never") throw ScimError.invalidFilter(`${path} cannot be used in a filter: it is never returned`);
}
