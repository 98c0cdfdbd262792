/**
 * The user's attributes, described once: every attribute a client may set, what it holds, where
 * SCIM has it and how GraphQL shows it. Everything else is read from this table:
 *
 * - store/entities/user.ts maps a column per entry (its kind fixes the column type) and the User
 *   entity's field types are UserAttributes below;
 * - domain/user-attributes.ts: UserAttributes and USER_ATTRIBUTE_NAMES, which commands assign;
 * - graph/types/user.type.ts and graph/inputs/user.input.ts: a field of the User type and of the
 *   create/update inputs per `graphql` exposure; graph/inputs/user-attributes.ts maps input back;
 * - scim/resources/user-json.ts renders and parses each entry at its `scim` path;
 * - scim/filter/attributes.ts (SCIM attribute → property) and store/sql/filter/columns.ts
 *   (property → column) make every entry with a SCIM attribute filterable, through
 *   domain/ports/filter.ts, whose UserProperty and UserValueList come from here.
 *
 * Not here, because they are not a client's to set: ids, organization, managedBy, version,
 * timestamps, pendingAdminActivation, protectedFromScim and userNameKey (written in the entity).
 *
 * To add an attribute: add its entry (the SCIM attribute must be in schema/scim/Schemas.json),
 * then write its column's migration for both databases with
 * `scripts/with-postgres.sh npm run migration:create` (add the files to migrations/<db>/index.ts)
 * and, when it has a `graphql` exposure, regenerate schema/schema.graphql with
 * `npm run schema:emit`. test/unit/user-attribute-table.test.ts checks the entry reached every
 * consumer.
 */

/** One value of a SCIM multi-valued attribute (emails, phoneNumbers, roles, …), kept as sent. */
export type MultiValue = Record<string, unknown>;

/** What an attribute holds. Each kind fixes its TypeScript type (here), its column and a new user's value. */
export interface UserAttributeKinds {
  /** Text or nothing: a nullable string column; a new user has null. */
  text: string | null;
  /** Text every user has: a non-null string column, no default. */
  requiredText: string;
  /** A non-null boolean column; a new user has the entry's `default`. */
  boolean: boolean;
  /** A SCIM multi-valued attribute, its elements kept as sent: a non-null JSON column; a new user has []. */
  valueList: MultiValue[];
  /** A JSON object kept as sent, or nothing: a nullable JSON column; a new user has null. */
  object: Record<string, unknown> | null;
}

export type UserAttributeKind = keyof UserAttributeKinds;

/** A field of the GraphQL User type. Its GraphQL type follows from the kind (text: String, boolean: Boolean!, object: JSONObject). */
export interface GraphOutput {
  description?: string;
  /** A value list's elements: `contactValue` (value, type, primary, display: ContactValue), or `jsonObject` (as stored; the default). */
  elements?: "contactValue" | "jsonObject";
}

/** A field of the GraphQL create and update inputs (left out: unchanged; null: cleared). */
export interface GraphInput {
  description?: string;
  /** The input field's name, when not the property's. */
  name?: string;
  /**
   * A value list's elements: `contactValue` (ContactValueInput), `value` (plain strings, each
   * stored as `{ value }`) or `jsonObject` (as sent; the default).
   */
  elements?: "contactValue" | "value" | "jsonObject";
  /** Required in CreateUserInput, optional in UpdateUserInput (elsewhere the field is in UserAttributesInput). */
  requiredOnCreate?: true;
}

export interface UserAttributeEntry {
  kind: UserAttributeKind;
  /** A boolean's value on a new user (MikroORM infers the column default from it, as it did from `active = true`). */
  default?: boolean;
  /**
   * Where SCIM has it (RFC 7643 §4.1): a core attribute (`displayName`, `emails`), a sub-attribute
   * of a singular complex one (`name.givenName`), an extension schema's URN (the whole extension
   * object), or `*`: every attribute and extension the server does not model, kept and returned as sent.
   */
  scim: string;
  /** On the User type (`output`) and in the inputs (`input`); left out: not in GraphQL. */
  graphql?: { output?: GraphOutput; input?: GraphInput };
  /**
   * Left out: SCIM filters and sortBy may name it (an extension by its fields' key paths);
   * false: they refuse it. `*` is never filterable.
   */
  filter?: false;
}

const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** A field of the User type and of the inputs, with no description. */
const READ_WRITE = { output: {}, input: {} } as const;
/** A field of the User type only, with no description. */
const READ_ONLY = { output: {} } as const;

/**
 * The table, in the migrations' column order (commands assign attributes in this order; SCIM
 * renders them in its schema's). GraphQL exposes what it always has: formattedName, profileUrl
 * and addresses are read-only there; photos, ims, entitlements, x509Certificates and extra are SCIM only.
 */
export const USER_ATTRIBUTE_TABLE = {
  userName: {
    kind: "requiredText",
    scim: "userName",
    graphql: { output: { description: "Unique per organization, compared case-insensitively" }, input: { requiredOnCreate: true } },
  },
  externalId: { kind: "text", scim: "externalId", graphql: { output: { description: "The identity provider's id for this user (not unique)" }, input: {} } },
  active: { kind: "boolean", default: true, scim: "active", graphql: { output: { description: "Inactive users have no effective roles" }, input: {} } },
  displayName: { kind: "text", scim: "displayName", graphql: READ_WRITE },
  givenName: { kind: "text", scim: "name.givenName", graphql: READ_WRITE },
  familyName: { kind: "text", scim: "name.familyName", graphql: READ_WRITE },
  middleName: { kind: "text", scim: "name.middleName", graphql: READ_WRITE },
  honorificPrefix: { kind: "text", scim: "name.honorificPrefix", graphql: READ_WRITE },
  honorificSuffix: { kind: "text", scim: "name.honorificSuffix", graphql: READ_WRITE },
  formattedName: { kind: "text", scim: "name.formatted", graphql: READ_ONLY },
  nickName: { kind: "text", scim: "nickName", graphql: READ_WRITE },
  profileUrl: { kind: "text", scim: "profileUrl", graphql: READ_ONLY },
  title: { kind: "text", scim: "title", graphql: READ_WRITE },
  userType: { kind: "text", scim: "userType", graphql: READ_WRITE },
  preferredLanguage: { kind: "text", scim: "preferredLanguage", graphql: READ_WRITE },
  locale: { kind: "text", scim: "locale", graphql: READ_WRITE },
  timezone: { kind: "text", scim: "timezone", graphql: READ_WRITE },
  emails: { kind: "valueList", scim: "emails", graphql: { output: { elements: "contactValue" }, input: { elements: "contactValue" } } },
  phoneNumbers: { kind: "valueList", scim: "phoneNumbers", graphql: { output: { elements: "contactValue" }, input: { elements: "contactValue" } } },
  addresses: { kind: "valueList", scim: "addresses", graphql: { output: { elements: "jsonObject" } } },
  photos: { kind: "valueList", scim: "photos" },
  ims: { kind: "valueList", scim: "ims" },
  /**
   * IdP role values, matched case-insensitively against the org's role mappings. GraphQL sets them
   * as plain strings; it reads them through UserResolver.idpRoleValues (the values only, computed
   * by domain/user-attributes.ts idpRoleValues), not as a field of the stored objects.
   */
  roles: {
    kind: "valueList",
    scim: "roles",
    graphql: { input: { name: "idpRoleValues", elements: "value", description: "IdP role values, matched against the organization's role mappings" } },
  },
  entitlements: { kind: "valueList", scim: "entitlements" },
  x509Certificates: { kind: "valueList", scim: "x509Certificates" },
  /** The SCIM enterprise extension (employeeNumber, department, manager, …), kept as sent. */
  enterprise: {
    kind: "object",
    scim: ENTERPRISE_USER,
    graphql: {
      output: { description: "SCIM enterprise extension: employeeNumber, department, manager, …" },
      input: { description: "SCIM enterprise extension attributes" },
    },
  },
  /** Attributes and extension schemas the server does not model, stored and returned as sent. */
  extra: { kind: "object", scim: "*" },
} as const satisfies Record<string, UserAttributeEntry>;

type Table = typeof USER_ATTRIBUTE_TABLE;

export type UserAttributeName = keyof Table;

/**
 * Every attribute of a user that a client may set. Commands take a partial of it: a field that
 * is `undefined` is left alone, `null` clears it. SCIM PUT passes all of them (a full replace).
 */
export type UserAttributes = { -readonly [N in UserAttributeName]: UserAttributeKinds[Table[N]["kind"]] };

export const USER_ATTRIBUTE_NAMES = Object.keys(USER_ATTRIBUTE_TABLE) as UserAttributeName[];

/** Each attribute with its entry, in table order. */
export const USER_ATTRIBUTE_ENTRIES: ReadonlyArray<readonly [UserAttributeName, UserAttributeEntry]> = USER_ATTRIBUTE_NAMES.map(
  (name) => [name, USER_ATTRIBUTE_TABLE[name]] as const,
);

/**
 * Sets every attribute of a new user to the value it starts with (null, [] or the boolean's
 * default) on `target`; requiredText has none. The entity's constructor calls it. Written in
 * place, key by key: an object of this many keys built one key at a time is a dictionary, and
 * Object.assign from one cost a create five times what this does.
 */
export function setNewUserAttributeValues(target: object): void {
  const values = target as Record<string, unknown>;
  for (const [name, entry] of USER_ATTRIBUTE_ENTRIES) {
    if (entry.kind === "text" || entry.kind === "object") values[name] = null;
    else if (entry.kind === "valueList") values[name] = [];
    else if (entry.kind === "boolean") values[name] = entry.default ?? false;
  }
}

/** Where an entry's `scim` path points. */
export type ScimPlace =
  | { at: "core"; attribute: string }
  | { at: "subAttribute"; attribute: string; subAttribute: string }
  | { at: "extension"; urn: string }
  | { at: "unmodelled" };

export function scimPlaceOf(entry: UserAttributeEntry): ScimPlace {
  if (entry.scim === "*") return { at: "unmodelled" };
  if (/^urn:/i.test(entry.scim)) return { at: "extension", urn: entry.scim };
  const [attribute, subAttribute, ...rest] = entry.scim.split(".");
  if (rest.length > 0) throw new Error(`user attribute path too deep: ${entry.scim}`);
  return subAttribute === undefined ? { at: "core", attribute } : { at: "subAttribute", attribute, subAttribute };
}

export function isFilterable(entry: UserAttributeEntry): boolean {
  return entry.filter !== false && entry.scim !== "*";
}

/** The names of the filterable attributes of the given kinds (domain/ports/filter.ts's vocabulary). */
export type FilterableUserAttribute<K extends UserAttributeKind> = {
  [N in UserAttributeName]: Table[N] extends { filter: false } ? never : Table[N]["scim"] extends "*" ? never : Table[N]["kind"] extends K ? N : never;
}[UserAttributeName];

export function filterableUserAttributes<K extends UserAttributeKind>(...kinds: K[]): Array<FilterableUserAttribute<K>> {
  return USER_ATTRIBUTE_ENTRIES.filter(([, entry]) => isFilterable(entry) && (kinds as UserAttributeKind[]).includes(entry.kind)).map(
    ([name]) => name as FilterableUserAttribute<K>,
  );
}
