import { Field, ID, InputType } from "type-graphql";

@InputType()
export class CreateRoleInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String, { description: "Stable identifier: lower-case letters, digits, _ - ." })
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { description: "Permission strings such as payments.write; area.* covers an area" })
  permissions!: string[];
}

@InputType()
export class UpdateRoleInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { nullable: true })
  permissions?: string[];
}

@InputType({ description: "A role, exactly one subject (userId or groupId) and exactly one scope (organizationId or accountId)" })
export class BindRoleInput {
  @Field(() => ID)
  roleId!: string;

  @Field(() => ID, { nullable: true })
  userId?: string | null;

  @Field(() => ID, { nullable: true })
  groupId?: string | null;

  @Field(() => ID, { nullable: true })
  organizationId?: string | null;

  @Field(() => ID, { nullable: true })
  accountId?: string | null;
}

@InputType()
export class SetRoleMappingInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String, { description: "An IdP role value, matched case-insensitively" })
  idpValue!: string;

  @Field(() => ID)
  roleId!: string;

  @Field(() => ID, { nullable: true, description: "Limit the mapping to one account; omit for the whole organization" })
  accountId?: string | null;
}

@InputType()
export class RoleBindingFilterInput {
  @Field(() => ID, { nullable: true })
  roleId?: string | null;

  @Field(() => ID, { nullable: true })
  userId?: string | null;

  @Field(() => ID, { nullable: true })
  groupId?: string | null;

  @Field(() => ID, { nullable: true })
  accountId?: string | null;
}
