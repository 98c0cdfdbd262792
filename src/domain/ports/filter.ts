import { filterableUserAttributes, type FilterableUserAttribute } from "./user-attributes";

/**
 * A search condition over users or groups, and the order to list them in, as the domain states
 * them to the store: a tree over the resources' logical attributes, with every operand already
 * validated and typed. A surface builds it (scim/filter compiles SCIM filters into it); each
 * database renders it to its own SQL (store/sql/filter). No SQL, table or column name appears
 * here, and nothing a client sends is ever more than an operand.
 *
 * Logic is two-valued: a comparison with an absent value is false, so `not` of it is true
 * (a user without a title matches `not (title eq "x")`).
 */

/**
 * A user's single-valued attributes, named as the User entity's properties: the text and boolean
 * attributes of the table (domain/ports/user-attributes.ts), the ids and the timestamps.
 */
export type UserProperty = "id" | "externalId" | "createdAt" | "updatedAt" | FilterableUserAttribute<"text" | "requiredText" | "boolean">;

/** A group's single-valued attributes, named as the Group entity's properties. */
export type GroupProperty = "id" | "externalId" | "displayName" | "createdAt" | "updatedAt";

/** A user's multi-valued attributes kept as lists of objects (each element's fields by name: value, type, primary, …), from the table. */
export type UserValueList = FilterableUserAttribute<"valueList">;
export const USER_VALUE_LISTS: readonly UserValueList[] = filterableUserAttributes("valueList");

/**
 * What `some` ranges over:
 * - a user's value lists, elements holding their fields by name;
 * - `groups`, a user's groups: each group it is in directly or through nested groups at any depth,
 *   with items `value` (the group id), `display` (its displayName) and `type` ("direct" or "indirect");
 * - `members`, a group's members: items `value` (the member's id), `type` ("User" or "Group") and
 *   `display` (a user's displayName, else its userName; a group's displayName).
 */
export type FilterCollection = UserValueList | "groups" | "members";

/** One value of the resource itself: a property, or a field of the enterprise extension by key path (`["manager", "value"]`). */
export type ResourceValue =
  | { kind: "property"; name: UserProperty | GroupProperty }
  | { kind: "extension"; keys: string[] };

/** A value in a filter: of the resource, or (only inside `some`) an item of the element `some` ranges over. */
export type FilterValue = ResourceValue | { kind: "item"; name: string };

/** How two strings compare: exactly, or ignoring case (Unicode NFC and lower case). */
export interface TextOperand {
  type: "string";
  value: string;
  caseExact: boolean;
}

export type FilterOperand =
  | TextOperand
  | { type: "number"; value: number }
  | { type: "boolean"; value: boolean }
  /** An instant; compared as an instant, never as text. */
  | { type: "dateTime"; value: Date };

/** Equality and order; `ne` is `not eq`. */
export type CompareOp = "eq" | "gt" | "ge" | "lt" | "le";
/** Contains, starts with, ends with: text only. */
export type SubstringOp = "co" | "sw" | "ew";

export type FilterPredicate =
  | { kind: "and"; predicates: FilterPredicate[] }
  | { kind: "or"; predicates: FilterPredicate[] }
  | { kind: "not"; predicate: FilterPredicate }
  | { kind: "compare"; value: FilterValue; op: CompareOp; operand: FilterOperand }
  | { kind: "compare"; value: FilterValue; op: SubstringOp; operand: TextOperand }
  /** The value is assigned: not null and, when `text`, not the empty string. */
  | { kind: "present"; value: FilterValue; text: boolean }
  /**
   * Some element of `collection` satisfies `where` (all of it on the same element: `emails[type eq
   * "work" and value co "@x"]`); `where` true asks for any element at all.
   */
  | { kind: "some"; collection: FilterCollection; where: FilterPredicate }
  /** Known without reading a row (`meta.resourceType eq "User"` on users). */
  | { kind: "constant"; value: boolean };

/**
 * What to sort by; the store appends the direction and a tie-breaker (the id). `caseIgnoring`
 * sorts text by its lower-cased form.
 */
export type SortKey =
  | { kind: "value"; value: ResourceValue; caseIgnoring: boolean }
  /** An item of the element marked `primary`, else of the first element (RFC 7644 §3.4.2.3). */
  | { kind: "primaryItem"; collection: UserValueList; item: string; caseIgnoring: boolean }
  /** Every resource has the same value (`meta.resourceType`): only the tie-breaker orders them. */
  | { kind: "constant" };

export function isUserValueList(collection: FilterCollection): collection is UserValueList {
  return (USER_VALUE_LISTS as readonly string[]).includes(collection);
}
