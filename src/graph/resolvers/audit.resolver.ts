import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import { listAuditEvents } from "../../domain/queries/directory";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { AuditEventFilterInput } from "../inputs/credentials.input";
import { AuditEventConnection, AuditEventType } from "../types/audit.type";
import { toConnection } from "../types/connection";
import { PageArgsType } from "./organization.resolver";

@Resolver(() => AuditEventType)
export class AuditResolver {
  @Query(() => AuditEventConnection, { complexity: pagedComplexity, description: "Changes to an organization, oldest first" })
  async auditEvents(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("filter", () => AuditEventFilterInput, { nullable: true }) filter: AuditEventFilterInput | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    return toConnection(await listAuditEvents(ctx.em, ctx.actor, organizationId, filter ?? {}, page));
  }
}
