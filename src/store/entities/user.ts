import { DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property, Unique, type PropertyOptions } from "@mikro-orm/core";
import {
  setNewUserAttributeValues, USER_ATTRIBUTE_ENTRIES, type UserAttributeKind, type UserAttributes,
} from "../../domain/ports/user-attributes";
import { newId } from "../ids";
import { Organization } from "./organization";

export type ManagedBy = "SCIM" | "ADMIN";

export type { MultiValue } from "../../domain/ports/user-attributes";

/**
 * A person in one organization. `userNameKey` is the lower-cased userName: the unique index on
 * (organization, userNameKey) makes userName unique per org case-insensitively on every database,
 * and `userName eq` lookups an index search.
 *
 * The attributes a client sets (userName, name, emails, …) are not written here: each entry of
 * domain/ports/user-attributes.ts is a column, mapped below the class, and typed by the interface
 * merged into it. This class holds what the directory itself keeps.
 */
@Entity({ tableName: "user" })
@Unique({ name: "user_org_user_name_key_unique", properties: ["organization", "userNameKey"] })
@Index({ name: "user_org_external_id_index", properties: ["organization", "externalId"] })
@Index({ name: "user_org_updated_at_index", properties: ["organization", "updatedAt"] })
// An organization's users in id order: keyset pages (GraphQL lists, whoCan, the access review)
// walk it and stop at the page's end instead of sorting the organization. It also serves what the
// foreign key's own index would (cascades, by organization), so that one is not made.
@Index({ name: "user_org_id_index", properties: ["organization", "id"] })
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface below
export class User {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade", index: false })
  organization!: Organization;

  @Property({ type: "string" })
  userNameKey!: string;

  @Property({ type: "string", length: 8 })
  managedBy: ManagedBy = "ADMIN";

  /**
   * Inactive until an admin activates it: created by an IdP while auto-activate was off, or locked
   * when SCIM was disabled in LOCK mode. The IdP's `active: true` does not lift it.
   */
  @Property({ type: "boolean", default: false })
  pendingAdminActivation: boolean = false;

  /** Never visible to SCIM (a break-glass account): no IdP can read, change or delete it. */
  @Property({ type: "boolean", default: false })
  protectedFromScim: boolean = false;

  /**
   * The user's IdP role values as role mappings match them (folded: trimmed, NFC, lower-cased), a
   * JSON array, null when there are none. Written by the commands with the values; the store
   * matches mappings against it in SQL (who holds a mapped role), where folding is not available.
   */
  @Property({ type: "json", nullable: true })
  idpRoleKeys: string[] | null = null;

  /** Bumped on every change; SCIM renders it as the resource's ETag. */
  @Property({ type: "integer" })
  version: number = 1;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType })
  updatedAt: Date = new Date();

  constructor() {
    setNewUserAttributeValues(this);
  }
}

/**
 * The attributes' fields, typed from the table. Merging an interface into a class is unsafe when
 * nothing sets its fields; here the constructor sets every one (or, for userName, the command that
 * creates the user) and the columns below map them.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface User extends UserAttributes {}

/**
 * The column of each kind of attribute, as the migrations create it. `runtimeType` is what
 * MikroORM read from `design:type` when these were written decorators (TypeScript emits it for
 * written decorators only): store/sql/user-records.ts decodes SQLite's 0/1 booleans by it.
 */
const COLUMN_OF_KIND: Record<UserAttributeKind, () => PropertyOptions<User>> = {
  requiredText: () => ({ type: "string", runtimeType: "string" }),
  text: () => ({ type: "string", nullable: true, runtimeType: "string" }),
  boolean: () => ({ type: "boolean", runtimeType: "boolean" }),
  valueList: () => ({ type: "json", runtimeType: "array" }),
  object: () => ({ type: "json", nullable: true }),
};

for (const [name, entry] of USER_ATTRIBUTE_ENTRIES) Property(COLUMN_OF_KIND[entry.kind]())(User.prototype, name);
