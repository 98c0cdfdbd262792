import { Field, ID, InputType } from "type-graphql";

@InputType()
export class CreateGroupInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => String, { nullable: true })
  externalId?: string | null;
}

@InputType()
export class UpdateGroupInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  displayName?: string;

  @Field(() => String, { nullable: true })
  externalId?: string | null;
}

@InputType({ description: "A group and exactly one member: a user or a group" })
export class GroupMemberInput {
  @Field(() => ID)
  groupId!: string;

  @Field(() => ID, { nullable: true })
  userId?: string | null;

  @Field(() => ID, { nullable: true })
  memberGroupId?: string | null;
}

@InputType()
export class GroupFilterInput {
  @Field(() => String, { nullable: true, description: "Exact match, case-insensitive" })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  externalId?: string | null;
}
