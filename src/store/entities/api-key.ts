import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";

export type ApiKeyRole = "ADMIN" | "READER";

/** A GraphQL credential. Only the SHA-256 of its secret is stored; the secret is shown once. */
@Entity({ tableName: "api_key" })
export class ApiKey {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @Property({ type: "string" })
  name!: string;

  @Property({ type: "string", length: 8 })
  role!: ApiKeyRole;

  /** Null: the key works across all organizations. */
  @ManyToOne(() => Organization, { nullable: true, deleteRule: "cascade", index: true })
  organization: Organization | null = null;

  @Property({ type: "string", length: 64 })
  secretHash!: string;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();

  @Property({ type: DateTimeType, nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: DateTimeType, nullable: true })
  revokedAt: Date | null = null;
}
