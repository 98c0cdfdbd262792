import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { PageResult } from "../../domain/queries/pagination";
import { accessMap, whereCan, type AccountAccess } from "../../domain/queries/where-can";
import { whoCan } from "../../domain/queries/who-can";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { AccessHolderConnection, AccessHolderType, AccountAccessConnection, AccountAccessType, UserAccessMapType } from "../types/access-questions.type";
import { toMappedConnection } from "../types/connection";
import { AccountType } from "../types/organization.type";
import { UserType } from "../types/user.type";
import { grantedRolesOf } from "./access.resolver";

function accountAccessConnection(page: PageResult<AccountAccess>) {
  return toMappedConnection(page, (node) => ({ accountId: node.accountId, roles: grantedRolesOf(node), permissions: node.permissions }));
}

/** The access questions asked the other way round: who can, where can, and a user's whole map. */
@Resolver()
export class AccessQuestionsResolver {
  @Query(() => AccessHolderConnection, {
    complexity: pagedComplexity,
    description: "Every active user who has the permission (or the role) on the account, each with the roles that give it and how: ask with exactly one of permission and roleId",
  })
  async whoCan(
    @Arg("accountId", () => ID) accountId: string,
    @Arg("permission", () => String, { nullable: true }) permission: string | null,
    @Arg("roleId", () => ID, { nullable: true }) roleId: string | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphContext,
  ) {
    const page = await whoCan(ctx.em, ctx.actor, { accountId, permission, roleId }, { first, after });
    return toMappedConnection(page, (node) => ({ userId: node.userId, roles: grantedRolesOf(node) }));
  }

  @Query(() => AccountAccessConnection, {
    complexity: pagedComplexity,
    description: "Every account of the user's organization on which the user has the permission, each with the roles that carry it and how they are granted",
  })
  async whereCan(
    @Arg("userId", () => ID) userId: string,
    @Arg("permission", () => String) permission: string,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphContext,
  ) {
    return accountAccessConnection(await whereCan(ctx.em, ctx.actor, { userId, permission }, { first, after }));
  }

  @Query(() => UserAccessMapType, { description: "A user's effective access across the organization: what holds on every account, and the accounts on which they have any role" })
  async accessMap(@Arg("userId", () => ID) userId: string, @Ctx() ctx: GraphContext): Promise<UserAccessMapType> {
    const map = await accessMap(ctx.em, ctx.actor, userId);
    return { userId, everyAccount: { roles: grantedRolesOf(map.everyAccount), permissions: map.everyAccount.permissions }, map };
  }
}

@Resolver(() => UserAccessMapType)
export class UserAccessMapResolver {
  @FieldResolver(() => UserType)
  user(@Root() root: UserAccessMapType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.user.load(root.userId);
  }

  @FieldResolver(() => AccountAccessConnection, { complexity: pagedComplexity, description: "The accounts on which the user has at least one role, by id" })
  async accounts(
    @Root() root: UserAccessMapType,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
  ) {
    return accountAccessConnection(await root.map.accounts({ first, after }));
  }
}

@Resolver(() => AccessHolderType)
export class AccessHolderResolver {
  @FieldResolver(() => UserType)
  user(@Root() holder: AccessHolderType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.user.load(holder.userId);
  }
}

@Resolver(() => AccountAccessType)
export class AccountAccessResolver {
  @FieldResolver(() => AccountType)
  account(@Root() access: AccountAccessType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.account.load(access.accountId);
  }
}
