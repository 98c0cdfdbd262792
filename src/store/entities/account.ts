import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property } from "@mikro-orm/core";
import { newId } from "../ids";
import { Organization } from "./organization";

/** An account inside an organization; organization-scoped bindings apply to every account. */
@Entity({ tableName: "account" })
export class Account {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade", index: true })
  organization!: Organization;

  @Property({ type: "string" })
  name!: string;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}
