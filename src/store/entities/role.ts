import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";

/** A named set of permissions (`payments.write`, …) defined per organization. */
@Entity({ tableName: "role" })
@Unique({ name: "role_org_key_unique", properties: ["organization", "key"] })
export class Role {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade" })
  organization!: Organization;

  @Property({ type: "string" })
  key!: string;

  @Property({ type: "string" })
  name!: string;

  @Property({ type: "text", nullable: true })
  description: string | null = null;

  @Property({ type: "json" })
  permissions: string[] = [];

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}
