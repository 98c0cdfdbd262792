import { createUnionType, Field, ID, Int, ObjectType } from "type-graphql";
import { Group, User } from "../../domain/model";
import { Connection } from "./connection";
import { ManagedByEnum } from "./enums";
import { UserType } from "./user.type";

@ObjectType("Group", { description: "A group of users and groups (nested groups are allowed; cycles are refused)" })
export class GroupType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Unique per organization, compared case-insensitively" })
  displayName!: string;

  @Field(() => String, { nullable: true })
  externalId!: string | null;

  @Field(() => ManagedByEnum)
  managedBy!: ManagedByEnum;

  @Field(() => Int)
  version!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class GroupConnection extends Connection(GroupType, "Group") {}

export const GroupMemberUnion = createUnionType({
  name: "GroupMember",
  description: "A member of a group: a user or a nested group",
  types: () => [UserType, GroupType] as const,
  resolveType: (value) => (value instanceof User ? UserType : value instanceof Group ? GroupType : undefined),
});

@ObjectType("GroupMembership", { description: "A user or group being a member of a group" })
export class GroupMembershipType {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class GroupMemberEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => GroupMemberUnion)
  node!: User | Group;
}

@ObjectType()
export class GroupMemberPageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ description: "A page of a group's direct members" })
export class GroupMemberConnection {
  @Field(() => [GroupMemberEdge])
  edges!: GroupMemberEdge[];

  @Field(() => [GroupMemberUnion])
  nodes!: Array<User | Group>;

  @Field(() => GroupMemberPageInfo)
  pageInfo!: GroupMemberPageInfo;
}
