import { Field, ID, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import { DeprovisionModeEnum } from "./enums";

@ObjectType("Organization", { description: "A tenant: owns accounts, users, groups, roles and SCIM tokens" })
export class OrganizationType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Boolean, { description: "Whether identity providers may provision through SCIM" })
  scimEnabled!: boolean;

  @Field(() => Boolean, { description: "Users created over SCIM start active (true) or wait, inactive, for an admin to activate them (false)" })
  scimAutoActivate!: boolean;

  @Field(() => Boolean, { description: "When false, the SCIM group endpoints refuse requests" })
  scimSyncGroups!: boolean;

  @Field(() => DeprovisionModeEnum, { description: "What SCIM `active: false` does to a user" })
  scimDeprovisionMode!: DeprovisionModeEnum;

  @Field(() => Boolean, {
    description: "When true, an identity provider that changes or deletes a user an admin created (and did not protect) links it to the IdP (audited); when false such changes are refused until an admin runs linkUserToScim",
  })
  scimLinkAdminUsers!: boolean;

  @Field(() => Int, { nullable: true, description: "Most groups the organization may hold; null means no limit" })
  maxGroups!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Group membership changes per second the organization may make over SCIM and GraphQL, sustained, counted per member changed; null means the server's default (MEMBERSHIP_RATE_PER_SECOND)",
  })
  membershipRatePerSecond!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Group membership changes the organization may make at once; null means the server's default (MEMBERSHIP_BURST)",
  })
  membershipBurst!: number | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class OrganizationConnection extends Connection(OrganizationType, "Organization") {}

@ObjectType("Account", { description: "An account inside an organization" })
export class AccountType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class AccountConnection extends Connection(AccountType, "Account") {}
