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
@Index({ name: "group_membership_member_user_index", properties: ["memberUser"] })
@Index({ name: "group_membership_member_group_index", properties: ["memberGroup"] })
export class GroupMembership {
  @PrimaryKey({ type: "string", length: 36 })
  id: string = newId();

  @ManyToOne(() => Group, { deleteRule: "cascade" })
  group!: Group;

  @ManyToOne(() => User, { nullable: true, deleteRule: "cascade" })
  memberUser: User | null = null;

  @ManyToOne(() => Group, { nullable: true, deleteRule: "cascade" })
  memberGroup: Group | null = null;

  @Property({ type: DateTimeType })
  createdAt: Date = new Date();
}
