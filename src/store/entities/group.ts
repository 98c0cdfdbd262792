import { DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";
import type { ManagedBy } from "./user";

/** A group of users and groups; `displayNameKey` (lower-cased) is unique per org. */
@Entity({ tableName: "group" })
@Unique({ name: "group_org_display_name_key_unique", properties: ["organization", "displayNameKey"] })
@Index({ name: "group_org_external_id_index", properties: ["organization", "externalId"] })
@Index({ name: "group_org_updated_at_index", properties: ["organization", "updatedAt"] })
export class Group {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade" })
  organization!: Organization;

  @Property({ type: "string" })
  displayName!: string;

  @Property({ type: "string" })
  displayNameKey!: string;

  @Property({ type: "string", nullable: true })
  externalId: string | null = null;

  @Property({ type: "string", length: 8 })
  managedBy: ManagedBy = "ADMIN";

  @Property({ type: "json", nullable: true })
  extra: Record<string, unknown> | null = null;

  @Property({ type: "integer" })
  version: number = 1;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType })
  updatedAt: Date = new Date();
}
