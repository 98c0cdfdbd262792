import { DateTimeType, Entity, ManyToOne, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { newId } from "../ids";
import { Account } from "./account";
import { Organization } from "./organization";
import { Role } from "./role";

/**
 * An IdP role value → a role, at organization scope (account null) or for one account. The value
 * is matched case-insensitively through `idpValueKey`; `scopeKey` is the account id or "org", so
 * the unique index allows one mapping per value and scope (setRoleMapping replaces it).
 */
@Entity({ tableName: "role_mapping" })
@Unique({ name: "role_mapping_value_scope_unique", properties: ["organization", "idpValueKey", "scopeKey"] })
export class RoleMapping {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade" })
  organization!: Organization;

  @Property({ type: "string" })
  idpValue!: string;

  @Property({ type: "string" })
  idpValueKey!: string;

  @ManyToOne(() => Role, { deleteRule: "cascade", index: true })
  role!: Role;

  @ManyToOne(() => Account, { nullable: true, deleteRule: "cascade", index: true })
  account: Account | null = null;

  @Property({ type: "string", length: 36 })
  scopeKey!: string;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}
