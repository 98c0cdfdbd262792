import { DateTimeType, Entity, PrimaryKey, Property } from "@mikro-orm/core";
import { newId } from "../ids";

export type DeprovisionMode = "SUSPEND" | "DELETE";
export type ScimDisableMode = "SOFT" | "LOCK";

/** The tenant. Owns accounts, users, groups, roles, tokens and its SCIM settings. */
@Entity({ tableName: "organization" })
export class Organization {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @Property({ type: "string" })
  name!: string;

  /** Role granted when a user's IdP role values match no mapping (StackAI's rule). */
  @Property({ type: "string", length: 36, nullable: true })
  defaultRoleId: string | null = null;

  @Property({ type: "boolean" })
  scimEnabled: boolean = true;

  /** Users created over SCIM start active (on, the default) or wait for an admin (off). */
  @Property({ type: "boolean" })
  scimAutoActivate: boolean = true;

  /** When off, the SCIM group endpoints refuse requests. */
  @Property({ type: "boolean" })
  scimSyncGroups: boolean = true;

  /** What SCIM `active: false` does: suspend the user or delete it (Stripe). */
  @Property({ type: "string", length: 16 })
  scimDeprovisionMode: DeprovisionMode = "SUSPEND";

  /**
   * When on, an IdP that changes or deletes a user an admin created (and did not protect) links it:
   * the user becomes SCIM-managed, audited. Off (the default): such a change is refused until an
   * admin links the user (linkUserToScim).
   */
  @Property({ type: "boolean", default: false })
  scimLinkAdminUsers: boolean = false;

  /** Most groups the organization may hold; null means no limit. */
  @Property({ type: "integer", nullable: true })
  maxGroups: number | null = null;

  /** Membership changes per second this organization may make, sustained; null means the server's default. */
  @Property({ type: "integer", nullable: true })
  membershipRatePerSecond: number | null = null;

  /** Membership changes this organization may make at once; null means the server's default. */
  @Property({ type: "integer", nullable: true })
  membershipBurst: number | null = null;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType, onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
