import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { whatIf, type PreviewedAccessChange } from "../../domain/queries/what-if";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { previewedChangeOf, WhatIfChangeInput } from "../inputs/what-if.input";
import { toMappedConnection } from "../types/connection";
import { AccountAccessChangeType, UserAccessChangeType, WhatIfResultType } from "../types/what-if.type";
import { AccountType } from "../types/organization.type";
import { RoleType } from "../types/role.type";
import { UserType } from "../types/user.type";
import { PageArgsType } from "./organization.resolver";

function userAccessChangeOf(change: PreviewedAccessChange): UserAccessChangeType {
  const accounts = change.accounts.map((account) => ({
    accountId: account.accountId,
    gainedRoleIds: account.gained.map((role) => role.id),
    lostRoleIds: account.lost.map((role) => role.id),
  }));
  return { userId: change.userId, accounts } as UserAccessChangeType;
}

@Resolver(() => WhatIfResultType)
export class WhatIfResolver {
  @Query(() => WhatIfResultType, {
    complexity: pagedComplexity,
    description: "A dry run: whose effective access a change would alter, and how, before it is made. The change's own mutation runs and is rolled back; "
      + "its errors are the mutation's, and previewing needs an ADMIN key",
  })
  async whatIf(
    @Arg("change", () => WhatIfChangeInput) change: WhatIfChangeInput,
    @Arg("userId", () => ID, { nullable: true, description: "Only this user's change" }) userId: string | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    const answer = await whatIf({ em: ctx.em, actor: ctx.actor }, previewedChangeOf(change), { ...page, userId });
    return { affectedUsers: answer.affectedUsers, changes: toMappedConnection(answer.changes, userAccessChangeOf) };
  }
}

@Resolver(() => UserAccessChangeType)
export class UserAccessChangeResolver {
  @FieldResolver(() => UserType)
  user(@Root() change: UserAccessChangeType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.user.load(change.userId);
  }
}

@Resolver(() => AccountAccessChangeType)
export class AccountAccessChangeResolver {
  @FieldResolver(() => AccountType, { nullable: true })
  account(@Root() change: AccountAccessChangeType, @Ctx() ctx: GraphContext) {
    return change.accountId ? ctx.loaders.account.load(change.accountId) : null;
  }

  @FieldResolver(() => [RoleType])
  gained(@Root() change: AccountAccessChangeType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.role.loadMany(change.gainedRoleIds);
  }

  @FieldResolver(() => [RoleType])
  lost(@Root() change: AccountAccessChangeType, @Ctx() ctx: GraphContext) {
    return ctx.loaders.role.loadMany(change.lostRoleIds);
  }
}
