import { Field, ID, InputType, Int } from "type-graphql";
import { DeprovisionModeEnum, ScimDisableModeEnum } from "../types/enums";

@InputType()
export class CreateOrganizationInput {
  @Field(() => String)
  name!: string;
}

@InputType({ description: "Fields left out are unchanged" })
export class UpdateOrganizationInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => ID, { nullable: true, description: "Role given to users whose IdP role values match no mapping; null clears it" })
  defaultRoleId?: string | null;

  @Field(() => Boolean, { nullable: true })
  scimAutoActivate?: boolean;

  @Field(() => Boolean, { nullable: true })
  scimSyncGroups?: boolean;

  @Field(() => DeprovisionModeEnum, { nullable: true })
  scimDeprovisionMode?: DeprovisionModeEnum;

  @Field(() => Boolean, { nullable: true })
  scimLinkAdminUsers?: boolean;

  @Field(() => Int, { nullable: true, description: "Most groups the organization may hold; null removes the limit" })
  maxGroups?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Group membership changes per second the organization may make, sustained (at least 1); null: the server's default. Global API keys only",
  })
  membershipRatePerSecond?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Group membership changes the organization may make at once (at least membershipRatePerSecond); null: the server's default. Global API keys only",
  })
  membershipBurst?: number | null;
}

@InputType()
export class DisableScimInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => ScimDisableModeEnum)
  mode!: ScimDisableModeEnum;
}

@InputType()
export class CreateAccountInput {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class UpdateAccountInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}
