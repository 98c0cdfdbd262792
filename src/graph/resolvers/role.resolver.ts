import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { bindRole, createRole, deleteRole, deleteRoleMapping, setRoleMapping, unbindRole, updateRole } from "../../domain/commands/roles";
import { findVisible } from "../../domain/lookup";
import { listRoleBindings, listRoleMappings, listRoles } from "../../domain/queries/directory";
import { Role, RoleBinding, RoleMapping } from "../../domain/model";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { BindRoleInput, CreateRoleInput, RoleBindingFilterInput, SetRoleMappingInput, UpdateRoleInput } from "../inputs/role.input";
import { toConnection } from "../types/connection";
import { GrantScopeEnum } from "../types/enums";
import { GroupType } from "../types/group.type";
import { AccountType, OrganizationType } from "../types/organization.type";
import { RoleBindingConnection, RoleBindingType, RoleConnection, RoleMappingConnection, RoleMappingType, RoleType } from "../types/role.type";
import { UserType } from "../types/user.type";
import { PageArgsType } from "./organization.resolver";

@Resolver(() => RoleType)
export class RoleResolver {
  @Query(() => RoleConnection, { complexity: pagedComplexity })
  async roles(@Arg("organizationId", () => ID) organizationId: string, @Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listRoles(ctx.em, ctx.actor, organizationId, page));
  }

  @Query(() => RoleType)
  role(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return findVisible(ctx.em, Role, "role", id, ctx.actor);
  }

  @FieldResolver(() => OrganizationType)
  organization(@Root() role: Role, @Ctx() ctx: GraphContext) {
    return ctx.loaders.organization.load(role.organization.id);
  }

  @Mutation(() => RoleType)
  createRole(@Arg("input") input: CreateRoleInput, @Ctx() ctx: GraphContext) {
    return createRole(ctx, input);
  }

  @Mutation(() => RoleType)
  updateRole(@Arg("input") input: UpdateRoleInput, @Ctx() ctx: GraphContext) {
    return updateRole(ctx, input);
  }

  @Mutation(() => RoleType, { description: "Deletes the role with its bindings and mappings" })
  deleteRole(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return deleteRole(ctx, id);
  }
}

@Resolver(() => RoleBindingType)
export class RoleBindingResolver {
  @Query(() => RoleBindingConnection, { complexity: pagedComplexity })
  async roleBindings(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("filter", () => RoleBindingFilterInput, { nullable: true }) filter: RoleBindingFilterInput | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    return toConnection(await listRoleBindings(ctx.em, ctx.actor, organizationId, filter ?? {}, page));
  }

  @FieldResolver(() => RoleType)
  role(@Root() binding: RoleBinding, @Ctx() ctx: GraphContext) {
    return ctx.loaders.role.load(binding.role.id);
  }

  @FieldResolver(() => UserType, { nullable: true })
  user(@Root() binding: RoleBinding, @Ctx() ctx: GraphContext) {
    return binding.subjectUser ? ctx.loaders.user.load(binding.subjectUser.id) : null;
  }

  @FieldResolver(() => GroupType, { nullable: true })
  group(@Root() binding: RoleBinding, @Ctx() ctx: GraphContext) {
    return binding.subjectGroup ? ctx.loaders.group.load(binding.subjectGroup.id) : null;
  }

  @FieldResolver(() => GrantScopeEnum)
  scope(@Root() binding: RoleBinding) {
    return binding.account ? GrantScopeEnum.ACCOUNT : GrantScopeEnum.ORGANIZATION;
  }

  @FieldResolver(() => AccountType, { nullable: true, description: "The account, for account-scoped bindings" })
  account(@Root() binding: RoleBinding, @Ctx() ctx: GraphContext) {
    return binding.account ? ctx.loaders.account.load(binding.account.id) : null;
  }

  @Mutation(() => RoleBindingType, { description: "Grants a role to a user or group, for the organization or one account" })
  bindRole(@Arg("input") input: BindRoleInput, @Ctx() ctx: GraphContext) {
    return bindRole(ctx, input);
  }

  @Mutation(() => RoleBindingType, { description: "Removes a role binding and returns it" })
  unbindRole(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return unbindRole(ctx, id);
  }
}

@Resolver(() => RoleMappingType)
export class RoleMappingResolver {
  @Query(() => RoleMappingConnection, { complexity: pagedComplexity })
  async roleMappings(@Arg("organizationId", () => ID) organizationId: string, @Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    return toConnection(await listRoleMappings(ctx.em, ctx.actor, organizationId, page));
  }

  @FieldResolver(() => RoleType)
  role(@Root() mapping: RoleMapping, @Ctx() ctx: GraphContext) {
    return ctx.loaders.role.load(mapping.role.id);
  }

  @FieldResolver(() => AccountType, { nullable: true })
  account(@Root() mapping: RoleMapping, @Ctx() ctx: GraphContext) {
    return mapping.account ? ctx.loaders.account.load(mapping.account.id) : null;
  }

  @Mutation(() => RoleMappingType, { description: "Maps an IdP role value to a role (replacing an earlier mapping of that value at that scope)" })
  setRoleMapping(@Arg("input") input: SetRoleMappingInput, @Ctx() ctx: GraphContext) {
    return setRoleMapping(ctx, input);
  }

  @Mutation(() => RoleMappingType)
  deleteRoleMapping(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return deleteRoleMapping(ctx, id);
  }
}
