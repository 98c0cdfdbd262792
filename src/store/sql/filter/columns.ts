import { USER_VALUE_LISTS, type FilterCollection, type GroupProperty, type ResourceValue, type UserProperty, type UserValueList } from "../../../domain/ports/filter";
import { filterableUserAttributes } from "../../../domain/ports/user-attributes";
import { userGroupsWalk } from "../group-walk";
import type { FilterSqlDialect } from "./dialect";
import { userColumn } from "./names";

/**
 * The one attribute map: where each logical attribute of domain/ports/filter.ts lives in SQL.
 * Filters (render.ts) and sorting (sort.ts) both read it, so both agree on what `userName` or an
 * e-mail's `value` means. Every SQL name here is a constant of this file, or the column of a user
 * attribute of domain/ports/user-attributes.ts, named as the entity names it (names.ts userColumn).
 */

export type FilterResource = "User" | "Group";

/** SQL text plus its bound values, in `?` order. */
export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** A condition; `nullable` when it yields SQL NULL for an absent value (negation must then coalesce). */
export interface SqlCondition extends SqlFragment {
  nullable: boolean;
}

/** One value readable in SQL: a column, a JSON field or a derived expression. */
export interface ValueSql {
  expr: string;
  /**
   * An indexed expression already holding the value folded (NFC, lower case: `user_name_key`):
   * case-ignoring comparisons bind the folded operand against it, so `userName eq` is an index search.
   */
  key?: string;
  /** Held in a JSON document: booleans bind through jsonBooleanParam, numbers read through jsonNumber. */
  inJson?: boolean;
  /** A cheaper, index-friendly form of a string `eq` for a derived value; null falls back to `expr`. */
  eq?(value: string): SqlCondition | null;
}

/** The elements of a collection as rows aliased `element`. */
export interface CollectionSql {
  /** FROM items yielding one row per element, and the condition tying them to the resource row. */
  from: string;
  where: string | null;
  item(name: string): ValueSql;
  /** ORDER BY terms putting the primary element first, then array order; only value lists have them. */
  primaryFirst?: string;
}

const column = (name: string, key?: string) => (alias: string): ValueSql => ({
  expr: `${alias}.${name}`,
  ...(key ? { key: `${alias}.${key}` } : {}),
});

/** One entry per name, from a list of names. */
function byName<N extends string, V>(names: readonly N[], value: (name: N) => V): Record<N, V> {
  return Object.fromEntries(names.map((name) => [name, value(name)])) as Record<N, V>;
}

const USER_PROPERTIES: Record<UserProperty, (alias: string) => ValueSql> = {
  // The attributes of the one table (domain/ports/user-attributes.ts), each in its own column.
  ...byName(filterableUserAttributes("text", "requiredText", "boolean"), (name) => column(userColumn(name))),
  id: column("id"),
  // user_name_key = NFC, lower-cased userName (access/names.ts foldName), unique per org.
  userName: column("user_name", "user_name_key"),
  createdAt: column("created_at"),
  updatedAt: column("updated_at"),
};

const GROUP_PROPERTIES: Record<GroupProperty, (alias: string) => ValueSql> = {
  id: column("id"),
  externalId: column("external_id"),
  // display_name_key = NFC, lower-cased displayName, unique per org.
  displayName: column("display_name", "display_name_key"),
  createdAt: column("created_at"),
  updatedAt: column("updated_at"),
};

const PROPERTIES: Record<FilterResource, Record<string, (alias: string) => ValueSql>> = { User: USER_PROPERTIES, Group: GROUP_PROPERTIES };

const VALUE_LIST_COLUMNS: Record<UserValueList, string> = byName(USER_VALUE_LISTS, userColumn);

/** The column `extension` values read a field of: the table's one filterable object attribute (the enterprise extension). */
const [EXTENSION_COLUMN, ...otherObjects] = filterableUserAttributes("object").map(userColumn);
if (EXTENSION_COLUMN === undefined || otherObjects.length > 0) throw new Error("filter extension values read exactly one object attribute of the user");

/** A value of the resource row aliased `alias`. */
export function resourceValueSql(value: ResourceValue, resource: FilterResource, alias: string, dialect: FilterSqlDialect): ValueSql {
  if (value.kind === "extension") {
    if (resource !== "User") throw new Error(`${resource} has no enterprise extension`);
    return { expr: dialect.jsonPathField(`${alias}.${EXTENSION_COLUMN}`, value.keys), inJson: true };
  }
  const property = Object.hasOwn(PROPERTIES[resource], value.name) ? PROPERTIES[resource][value.name] : undefined;
  if (!property) throw new Error(`${resource} has no property ${value.name} to filter on`);
  return property(alias);
}

/** The elements of `collection` of the resource row aliased `alias`, as rows aliased `element`. */
export function collectionSql(
  collection: FilterCollection, resource: FilterResource, alias: string, element: string, dialect: FilterSqlDialect, hideProtected = false,
): CollectionSql {
  const owner: FilterResource = collection === "members" ? "Group" : "User";
  if (owner !== resource) throw new Error(`${resource} has no ${collection}`);
  if (collection === "groups") return userGroups(alias, element);
  if (collection === "members") return groupMembers(alias, element, hideProtected);
  return {
    from: dialect.jsonArrayElements(`${alias}.${VALUE_LIST_COLUMNS[collection]}`, element),
    where: null,
    // Each element is an object holding its sub-attributes under their schema names.
    item: (name) => ({ expr: dialect.jsonElementField(element, name), inJson: true }),
    primaryFirst: dialect.jsonPrimaryFirst(element),
  };
}

/**
 * A user's groups, as rendered (store/sql/group-walk.ts, the same walk): every group it is in,
 * directly ("direct") or through nested groups at any depth ("indirect", RFC 7643 §4.1.2), one row
 * per group. The walk up the group graph is a recursive query correlated on the user row.
 */
function userGroups(alias: string, m: string): CollectionSql {
  const items: Record<string, ValueSql> = {
    // Ids are lower-case UUIDv7 (store/ids.ts), so an id column is its own folded key.
    value: { expr: `${m}.group_id`, key: `${m}.group_id` },
    display: {
      expr: `(SELECT ${m}g.display_name FROM "group" ${m}g WHERE ${m}g.id = ${m}.group_id)`,
      key: `(SELECT ${m}g.display_name_key FROM "group" ${m}g WHERE ${m}g.id = ${m}.group_id)`,
    },
    type: { expr: `CASE WHEN ${m}.direct = 1 THEN 'direct' ELSE 'indirect' END` },
  };
  return { from: `${userGroupsWalk(`${alias}.id`, `${m}_reach`)} ${m}`, where: null, item: (name) => itemOf(items, "groups", name) };
}

/**
 * A group's members: each group_membership row holds a user or a group, never both. With
 * `hideProtected`, users protected from SCIM are not among them (the caller says whom the
 * filter serves).
 */
function groupMembers(alias: string, m: string, hideProtected: boolean): CollectionSql {
  const id = `coalesce(${m}.member_user_id, ${m}.member_group_id)`;
  const items: Record<string, ValueSql> = {
    value: {
      expr: id,
      key: id,
      // Two equalities the unique (group_id, member_*) indexes answer, instead of an expression.
      eq: (value) => ({ sql: `(${m}.member_user_id = ? OR ${m}.member_group_id = ?)`, params: [value.toLowerCase(), value.toLowerCase()], nullable: true }),
    },
    type: {
      expr: `CASE WHEN ${m}.member_user_id IS NOT NULL THEN 'User' ELSE 'Group' END`,
      eq: (value) => {
        const kind = value.toLowerCase();
        if (kind === "user") return { sql: `${m}.member_user_id IS NOT NULL`, params: [], nullable: false };
        if (kind === "group") return { sql: `${m}.member_group_id IS NOT NULL`, params: [], nullable: false };
        return null;
      },
    },
    // As rendered (sql-store.ts memberListPages): a user member shows its displayName,
    // else its userName; a group member its displayName.
    display: {
      expr:
        `coalesce((SELECT coalesce(${m}u.display_name, ${m}u.user_name) FROM "user" ${m}u WHERE ${m}u.id = ${m}.member_user_id), ` +
        `(SELECT ${m}g.display_name FROM "group" ${m}g WHERE ${m}g.id = ${m}.member_group_id))`,
    },
  };
  const visible = hideProtected
    ? ` AND (${m}.member_user_id IS NULL OR NOT EXISTS (SELECT 1 FROM "user" ${m}p WHERE ${m}p.id = ${m}.member_user_id AND ${m}p.protected_from_scim))`
    : "";
  return { from: `group_membership ${m}`, where: `${m}.group_id = ${alias}.id${visible}`, item: (name) => itemOf(items, "members", name) };
}

function itemOf(items: Record<string, ValueSql>, collection: string, name: string): ValueSql {
  const item = Object.hasOwn(items, name) ? items[name] : undefined;
  if (!item) throw new Error(`${collection} has no item ${name} to filter on`);
  return item;
}
