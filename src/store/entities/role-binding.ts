import { DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { newId } from "../ids";
import { Account } from "./account";
import { Group } from "./group";
import { Organization } from "./organization";
import { Role } from "./role";
import { User } from "./user";

/**
 * role × subject (a user or a group) × scope (the whole organization when `account` is null, or
 * one account). `identityKey` spells out that triple so a unique index refuses duplicates: a plain
 * unique index over nullable columns would not, because NULLs never compare equal.
 */
@Entity({ tableName: "role_binding" })
@Unique({ name: "role_binding_identity_unique", properties: ["identityKey"] })
@Index({ name: "role_binding_subject_user_index", properties: ["subjectUser"] })
@Index({ name: "role_binding_subject_group_index", properties: ["subjectGroup"] })
export class RoleBinding {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Organization, { deleteRule: "cascade", index: true })
  organization!: Organization;

  @ManyToOne(() => Role, { deleteRule: "cascade", index: true })
  role!: Role;

  @ManyToOne(() => User, { nullable: true, deleteRule: "cascade" })
  subjectUser: User | null = null;

  @ManyToOne(() => Group, { nullable: true, deleteRule: "cascade" })
  subjectGroup: Group | null = null;

  @ManyToOne(() => Account, { nullable: true, deleteRule: "cascade", index: true })
  account: Account | null = null;

  @Property({ type: "string", length: 160 })
  identityKey!: string;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}

export function roleBindingIdentityKey(roleId: string, subject: string, accountId: string | null): string {
  return `${roleId}|${subject}|${accountId ?? "org"}`;
}
