import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";

/** A SCIM bearer token; it alone selects the organization. Several may be live (rotation). */
@Entity({ tableName: "scim_token" })
export class ScimToken {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade", index: true })
  organization!: Organization;

  @Property({ type: "string" })
  name!: string;

  @Property({ type: "string", length: 64 })
  secretHash!: string;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType, nullable: true })
  expiresAt: Date | null = null;

  @Property({ type: DateTimeType, nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: DateTimeType, nullable: true })
  revokedAt: Date | null = null;
}
