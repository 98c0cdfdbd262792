import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { createUser, deleteUser, linkUserToScim, updateUser } from "../../domain/commands/users";
import { findVisible } from "../../domain/lookup";
import { listUsers } from "../../domain/queries/directory";
import { idpRoleValues } from "../../domain/user-attributes";
import { User } from "../../domain/model";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { CreateUserInput, UpdateUserInput, UserFilterInput } from "../inputs/user.input";
import { userAttributesFromInput } from "../inputs/user-attributes";
import { EffectiveAccessType } from "../types/access.type";
import { toConnection } from "../types/connection";
import { GroupType } from "../types/group.type";
import { OrganizationType } from "../types/organization.type";
import { UserConnection, UserType } from "../types/user.type";
import { PageArgsType } from "./organization.resolver";
import { grantedRolesOf } from "./access.resolver";

@Resolver(() => UserType)
export class UserResolver {
  @Query(() => UserConnection, { complexity: pagedComplexity, description: "Users of an organization, optionally filtered" })
  async users(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("filter", () => UserFilterInput, { nullable: true }) filter: UserFilterInput | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    return toConnection(await listUsers(ctx.em, ctx.actor, organizationId, filter ?? {}, page));
  }

  @Query(() => UserType)
  user(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return findVisible(ctx.em, User, "user", id, ctx.actor);
  }

  @Query(() => UserType, { nullable: true, description: "Looks a user up by userName (case-insensitive)" })
  async userByUserName(@Arg("organizationId", () => ID) organizationId: string, @Arg("userName") userName: string, @Ctx() ctx: GraphContext) {
    const page = await listUsers(ctx.em, ctx.actor, organizationId, { userName }, { first: 1 });
    return page.nodes[0] ?? null;
  }

  @FieldResolver(() => OrganizationType)
  organization(@Root() user: User, @Ctx() ctx: GraphContext) {
    return ctx.loaders.organization.load(user.organization.id);
  }

  @FieldResolver(() => [String], { description: "IdP role values (SCIM roles), which role mappings match" })
  idpRoleValues(@Root() user: User) {
    return idpRoleValues(user.roles);
  }

  @FieldResolver(() => [GroupType], { description: "Groups the user is in; with transitive: true, also the groups those are nested in" })
  async groups(@Root() user: User, @Arg("transitive", () => Boolean, { defaultValue: false }) transitive: boolean, @Ctx() ctx: GraphContext) {
    const ids = await (transitive ? ctx.loaders.transitiveGroupIds : ctx.loaders.directGroupIds).load(user.id);
    return ctx.loaders.group.loadMany(ids);
  }

  @FieldResolver(() => EffectiveAccessType, { description: "Effective roles and permissions on an account, with provenance" })
  async effectiveAccess(@Root() user: User, @Arg("accountId", () => ID) accountId: string, @Ctx() ctx: GraphContext) {
    const access = await ctx.loaders.effectiveAccess.load({ userId: user.id, accountId });
    return { ...access, roles: grantedRolesOf(access) };
  }

  @Mutation(() => UserType)
  createUser(@Arg("input") input: CreateUserInput, @Ctx() ctx: GraphContext) {
    return createUser(ctx, { organizationId: input.organizationId, userName: input.userName, ...userAttributesFromInput(input), protectedFromScim: input.protectedFromScim ?? undefined });
  }

  @Mutation(() => UserType, { description: "Fields left out are unchanged; IdP-owned fields of SCIM-managed users are refused" })
  updateUser(@Arg("input") input: UpdateUserInput, @Ctx() ctx: GraphContext) {
    return updateUser(ctx, { id: input.id, ...userAttributesFromInput(input), protectedFromScim: input.protectedFromScim ?? undefined });
  }

  @Mutation(() => UserType, { description: "Links a user an admin created to the organization's identity provider: the IdP then owns it and may change, deactivate or delete it (audited as user.link_scim)" })
  linkUserToScim(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return linkUserToScim(ctx, { id });
  }

  @Mutation(() => UserType, { description: "Deletes the user with its memberships and bindings; the audit log keeps the record" })
  deleteUser(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return deleteUser(ctx, { id });
  }
}
