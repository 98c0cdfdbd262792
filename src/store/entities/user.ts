import { DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";

export type ManagedBy = "SCIM" | "ADMIN";

/** One value of a SCIM multi-valued attribute (emails, phoneNumbers, roles, …), kept as sent. */
export type MultiValue = Record<string, unknown>;

/**
 * A person in one organization. `userNameKey` is the lower-cased userName: the unique index on
 * (organization, userNameKey) makes userName unique per org case-insensitively on every database,
 * and `userName eq` lookups an index search.
 */
@Entity({ tableName: "user" })
@Unique({ name: "user_org_user_name_key_unique", properties: ["organization", "userNameKey"] })
@Index({ name: "user_org_external_id_index", properties: ["organization", "externalId"] })
@Index({ name: "user_org_updated_at_index", properties: ["organization", "updatedAt"] })
export class User {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade" })
  organization!: Organization;

  @Property({ type: "string" })
  userName!: string;

  @Property({ type: "string" })
  userNameKey!: string;

  @Property({ type: "string", nullable: true })
  externalId: string | null = null;

  @Property({ type: "boolean" })
  active: boolean = true;

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

  @Property({ type: "string", nullable: true })
  displayName: string | null = null;

  @Property({ type: "string", nullable: true })
  givenName: string | null = null;

  @Property({ type: "string", nullable: true })
  familyName: string | null = null;

  @Property({ type: "string", nullable: true })
  middleName: string | null = null;

  @Property({ type: "string", nullable: true })
  honorificPrefix: string | null = null;

  @Property({ type: "string", nullable: true })
  honorificSuffix: string | null = null;

  @Property({ type: "string", nullable: true })
  formattedName: string | null = null;

  @Property({ type: "string", nullable: true })
  nickName: string | null = null;

  @Property({ type: "string", nullable: true })
  profileUrl: string | null = null;

  @Property({ type: "string", nullable: true })
  title: string | null = null;

  @Property({ type: "string", nullable: true })
  userType: string | null = null;

  @Property({ type: "string", nullable: true })
  preferredLanguage: string | null = null;

  @Property({ type: "string", nullable: true })
  locale: string | null = null;

  @Property({ type: "string", nullable: true })
  timezone: string | null = null;

  @Property({ type: "json" })
  emails: MultiValue[] = [];

  @Property({ type: "json" })
  phoneNumbers: MultiValue[] = [];

  @Property({ type: "json" })
  addresses: MultiValue[] = [];

  @Property({ type: "json" })
  photos: MultiValue[] = [];

  @Property({ type: "json" })
  ims: MultiValue[] = [];

  /** IdP role values (SCIM `roles`); matched case-insensitively against the org's role mappings. */
  @Property({ type: "json" })
  roles: MultiValue[] = [];

  @Property({ type: "json" })
  entitlements: MultiValue[] = [];

  @Property({ type: "json" })
  x509Certificates: MultiValue[] = [];

  /** The SCIM enterprise extension (employeeNumber, department, manager, …), kept as sent. */
  @Property({ type: "json", nullable: true })
  enterprise: Record<string, unknown> | null = null;

  /** Attributes and extension schemas the server does not model, stored and returned as sent. */
  @Property({ type: "json", nullable: true })
  extra: Record<string, unknown> | null = null;

  /** Bumped on every change; SCIM renders it as the resource's ETag. */
  @Property({ type: "integer" })
  version: number = 1;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType })
  updatedAt: Date = new Date();
}
