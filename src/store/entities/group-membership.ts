import { DateTimeType, Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from "@mikro-orm/core";
import { newId } from "../ids";
import { Group } from "./group";
import { User } from "./user";

/**
 * One edge of the graph: a user or a group is a member of `group`. Exactly one of memberUser /
 * memberGroup is set. Membership changes are row inserts and deletes, never a list rewrite, so
 * adding one member to a 50,000-member group costs one insert.
 */
@Entity({ tableName: "group_membership" })
@Unique({ name: "group_membership_user_unique", properties: ["group", "memberUser"] })
@Unique({ name: "group_membership_group_unique", properties: ["group", "memberGroup"] })
@Index({ name: "group_membership_group_id_id_index", properties: ["group", "id"] })
// Member → group, covering: "which groups is this user (or group) in" — every lookup's groups,
// every access check's nesting walk — is answered from the index without touching the table.
@Index({ name: "group_membership_member_user_group_index", properties: ["memberUser", "group"] })
@Index({ name: "group_membership_member_group_group_index", properties: ["memberGroup", "group"] })
export class GroupMembership {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Group, { deleteRule: "cascade" })
  group!: Group;

  // index: false — the covering (member, group) indexes above serve these foreign keys.
  @ManyToOne(() => User, { nullable: true, deleteRule: "cascade", index: false })
  memberUser: User | null = null;

  @ManyToOne(() => Group, { nullable: true, deleteRule: "cascade", index: false })
  memberGroup: Group | null = null;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}
