import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { checkPermissions, hasPermission, type EffectiveAccess, type Grant } from "../../domain/queries/effective-access";
import { batchComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { AccessCheckInput, EffectiveAccessType, GrantedRoleType, GrantType } from "../types/access.type";
import { GrantKindEnum, GrantScopeEnum } from "../types/enums";
import { GroupType } from "../types/group.type";
import { RoleType } from "../types/role.type";

/** Resolved access → the GraphQL shape, with `via` spelling out each grant's path. */
export function grantedRolesOf<T extends Pick<EffectiveAccess, "roles">>(access: T): GrantedRoleType[] {
  return access.roles.map(({ role, grants }) => ({ ...role, grants: grants.map(grantOf) }) as GrantedRoleType);
}

function grantOf(grant: Grant): GrantType {
  const base = { kind: grant.kind as GrantKindEnum, scope: null, bindingId: null, mappingId: null, idpValue: null, groupIds: [] as string[] };
  switch (grant.kind) {
    case "DIRECT":
      return { ...base, scope: grant.scope as GrantScopeEnum, bindingId: grant.bindingId, via: [grant.bindingId] };
    case "GROUP":
      return { ...base, scope: grant.scope as GrantScopeEnum, bindingId: grant.bindingId, groupIds: grant.groupChain, via: [...grant.groupChain, grant.bindingId] };
    case "MAPPING":
      return { ...base, scope: grant.scope as GrantScopeEnum, mappingId: grant.mappingId, idpValue: grant.idpValue, via: [grant.mappingId, grant.idpValue] };
    case "DEFAULT":
      return { ...base, via: [] };
  }
}

@Resolver()
export class AccessResolver {
  @Query(() => EffectiveAccessType, { description: "A user's effective roles and permissions on an account, each role with the paths that grant it" })
  async effectiveAccess(@Arg("userId", () => ID) userId: string, @Arg("accountId", () => ID) accountId: string, @Ctx() ctx: GraphContext) {
    const access = await ctx.loaders.effectiveAccess.load({ userId, accountId });
    return { ...access, roles: grantedRolesOf(access) };
  }

  @Query(() => [String], { description: "The union of the permissions of a user's effective roles on an account" })
  async effectivePermissions(@Arg("userId", () => ID) userId: string, @Arg("accountId", () => ID) accountId: string, @Ctx() ctx: GraphContext) {
    return (await ctx.loaders.effectiveAccess.load({ userId, accountId })).permissions;
  }

  @Query(() => Boolean, { description: "May the user do this on the account? (`area.*` in a role covers the area)" })
  async can(
    @Arg("userId", () => ID) userId: string,
    @Arg("accountId", () => ID) accountId: string,
    @Arg("permission") permission: string,
    @Ctx() ctx: GraphContext,
  ) {
    return hasPermission(await ctx.loaders.effectiveAccess.load({ userId, accountId }), permission);
  }

  @Query(() => [Boolean], { complexity: batchComplexity("checks"), description: "Many checks at once, answered in the order asked" })
  canBatch(@Arg("checks", () => [AccessCheckInput]) checks: AccessCheckInput[], @Ctx() ctx: GraphContext) {
    return checkPermissions(ctx.em, ctx.actor, checks);
  }
}

@Resolver(() => GrantedRoleType)
export class GrantedRoleResolver {
  @FieldResolver(() => RoleType)
  role(@Root() granted: GrantedRoleType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.role.load(granted.id);
  }
}

@Resolver(() => GrantType)
export class GrantResolver {
  @FieldResolver(() => [GroupType], { description: "For GROUP grants: the groups of the chain, from the user's own group to the bound group" })
  groups(@Root() grant: GrantType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.group.loadMany(grant.groupIds);
  }
}
