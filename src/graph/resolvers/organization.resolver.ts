import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { createAccount, createOrganization, deleteAccount, updateAccount, updateOrganizationSettings } from "../../domain/commands/organizations";
import { disableScim, enableScim } from "../../domain/commands/scim-connection";
import { findVisibleOrganization, findVisible } from "../../domain/lookup";
import { listAccounts, listOrganizations } from "../../domain/queries/directory";
import { Account, Organization } from "../../domain/model";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { CreateAccountInput, CreateOrganizationInput, DisableScimInput, UpdateAccountInput, UpdateOrganizationInput } from "../inputs/organization.input";
import { toConnection } from "../types/connection";
import { AccountConnection, AccountType, OrganizationConnection, OrganizationType } from "../types/organization.type";
import { RoleType } from "../types/role.type";

@ArgsType()
export class PageArgsType {
  @Field(() => Int, { nullable: true, description: "Page size (default 50, at most 1000)" })
  first?: number | null;

  @Field(() => String, { nullable: true, description: "Cursor of the last item of the previous page" })
  after?: string | null;
}

@Resolver(() => OrganizationType)
export class OrganizationResolver {
  @Query(() => OrganizationConnection, { complexity: pagedComplexity, description: "Organizations this key may see" })
  async organizations(@Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listOrganizations(ctx.em, ctx.actor, page));
  }

  @Query(() => OrganizationType)
  organization(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return findVisibleOrganization(ctx.em, ctx.actor, id);
  }

  @FieldResolver(() => AccountConnection, { complexity: pagedComplexity })
  async accounts(@Root() org: Organization, @Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listAccounts(ctx.em, ctx.actor, org.id, page));
  }

  @FieldResolver(() => RoleType, { nullable: true, description: "Role given when a user's IdP role values match no mapping" })
  defaultRole(@Root() org: Organization, @Ctx() ctx: GraphContext) {
    return org.defaultRoleId ? ctx.loaders.role.load(org.defaultRoleId) : null;
  }

  @Mutation(() => OrganizationType)
  createOrganization(@Arg("input") input: CreateOrganizationInput, @Ctx() ctx: GraphContext) {
    return createOrganization(ctx, input);
  }

  @Mutation(() => OrganizationType, { description: "Rename, or change SCIM settings: default role, auto-activate, sync groups, deprovisioning, group limit, membership rate limit" })
  updateOrganization(@Arg("input") input: UpdateOrganizationInput, @Ctx() ctx: GraphContext) {
    return updateOrganizationSettings(ctx, input);
  }

  @Mutation(() => OrganizationType, { description: "Turn SCIM off (revokes every token). SOFT keeps SCIM users active as admin-managed; LOCK deactivates them" })
  disableScim(@Arg("input") input: DisableScimInput, @Ctx() ctx: GraphContext) {
    return disableScim(ctx, input);
  }

  @Mutation(() => OrganizationType, { description: "Turn SCIM back on; issue a new token afterwards" })
  enableScim(@Arg("organizationId", () => ID) organizationId: string, @Ctx() ctx: GraphContext) {
    return enableScim(ctx, { organizationId });
  }
}

@Resolver(() => AccountType)
export class AccountResolver {
  @Query(() => AccountType)
  account(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return findVisible(ctx.em, Account, "account", id, ctx.actor);
  }

  @FieldResolver(() => OrganizationType)
  organization(@Root() account: Account, @Ctx() ctx: GraphContext) {
    return ctx.loaders.organization.load(account.organization.id);
  }

  @Mutation(() => AccountType)
  createAccount(@Arg("input") input: CreateAccountInput, @Ctx() ctx: GraphContext) {
    return createAccount(ctx, input);
  }

  @Mutation(() => AccountType)
  updateAccount(@Arg("input") input: UpdateAccountInput, @Ctx() ctx: GraphContext) {
    return updateAccount(ctx, input);
  }

  @Mutation(() => AccountType, { description: "Deletes the account with every binding and mapping scoped to it" })
  deleteAccount(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return deleteAccount(ctx, id);
  }
}
