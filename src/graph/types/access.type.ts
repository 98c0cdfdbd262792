import { Field, InputType, ObjectType, ID } from "type-graphql";
import { GrantKindEnum, GrantScopeEnum } from "./enums";

@ObjectType("Grant", { description: "One path by which a role reached the user" })
export class GrantType {
  @Field(() => GrantKindEnum)
  kind!: GrantKindEnum;

  @Field(() => [String], {
    description:
      "The path, as ids: DIRECT [bindingId]; GROUP the group chain from the user's own group up to the bound group, then the bindingId; MAPPING [mappingId, idpValue]; DEFAULT []",
  })
  via!: string[];

  @Field(() => GrantScopeEnum, { nullable: true, description: "Null for the default role (organization-wide)" })
  scope!: GrantScopeEnum | null;

  @Field(() => ID, { nullable: true })
  bindingId!: string | null;

  @Field(() => ID, { nullable: true })
  mappingId!: string | null;

  @Field(() => String, { nullable: true, description: "The IdP role value that matched (MAPPING)" })
  idpValue!: string | null;

  @Field(() => [ID], { description: "For GROUP grants: the group chain, from the user's own group to the bound group" })
  groupIds!: string[];
}

@ObjectType("GrantedRole", { description: "A role the user holds on the account, with every path that grants it" })
export class GrantedRoleType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  key!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String])
  permissions!: string[];

  @Field(() => [GrantType])
  grants!: GrantType[];
}

@ObjectType("EffectiveAccess", { description: "What a user may do on an account, and why" })
export class EffectiveAccessType {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID)
  accountId!: string;

  @Field(() => [GrantedRoleType])
  roles!: GrantedRoleType[];

  @Field(() => [String], { description: "Union of the roles' permissions, sorted" })
  permissions!: string[];
}

@InputType("AccessCheckInput", { description: "One question: may this user do this on this account?" })
export class AccessCheckInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  permission!: string;
}
