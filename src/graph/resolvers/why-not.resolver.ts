import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { whyNot } from "../../domain/queries/why-not";
import type { GraphContext } from "../context";
import { WhyNotType, type WhyNotOptionKindEnum } from "../types/why-not.type";
import { grantedRolesOf } from "./access.resolver";

@Resolver()
export class WhyNotResolver {
  @Query(() => WhyNotType, { description: "For a `can` question: its answer, and when denied, every way the permission would be granted" })
  async whyNot(
    @Arg("userId", () => ID) userId: string,
    @Arg("accountId", () => ID) accountId: string,
    @Arg("permission") permission: string,
    @Ctx() ctx: GraphContext,
  ): Promise<WhyNotType> {
    const answer = await whyNot(ctx.em, ctx.actor, { userId, accountId, permission });
    return {
      ...answer,
      // Role entities: the Role type's own field resolvers (organization) read them.
      rolesWithPermission: answer.rolesWithPermission,
      grantedBy: grantedRolesOf({ userId, accountId, roles: answer.grantedBy, permissions: [] }),
      options: answer.options.map((option) => ({ ...option, kind: option.kind as WhyNotOptionKindEnum })),
    };
  }
}
