import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { addGroupMember, removeGroupMember } from "../../domain/commands/group-members";
import { createGroup, deleteGroup, linkGroupToScim, updateGroup } from "../../domain/commands/groups";
import { findVisible } from "../../domain/lookup";
import { listGroups } from "../../domain/queries/directory";
import { decodeCursor, encodeCursor, pageSize } from "../../domain/queries/pagination";
import { Group, GroupMembership, type User } from "../../domain/model";
import { pagedComplexity } from "../complexity";
import type { GraphContext } from "../context";
import { CreateGroupInput, GroupFilterInput, GroupMemberInput, UpdateGroupInput } from "../inputs/group.input";
import { toConnection } from "../types/connection";
import { GroupConnection, GroupMemberConnection, GroupMemberUnion, GroupMembershipType, GroupType } from "../types/group.type";
import { OrganizationType } from "../types/organization.type";
import { PageArgsType } from "./organization.resolver";

@Resolver(() => GroupType)
export class GroupResolver {
  @Query(() => GroupConnection, { complexity: pagedComplexity, description: "Groups of an organization, optionally filtered" })
  async groups(
    @Arg("organizationId", () => ID) organizationId: string,
    @Arg("filter", () => GroupFilterInput, { nullable: true }) filter: GroupFilterInput | null,
    @Args() page: PageArgsType,
    @Ctx() ctx: GraphContext,
  ) {
    return toConnection(await listGroups(ctx.em, ctx.actor, organizationId, filter ?? {}, page));
  }

  @Query(() => GroupType)
  group(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return findVisible(ctx.em, Group, "group", id, ctx.actor);
  }

  @FieldResolver(() => OrganizationType)
  organization(@Root() group: Group, @Ctx() ctx: GraphContext) {
    return ctx.loaders.organization.load(group.organization.id);
  }

  @FieldResolver(() => GroupMemberConnection, { complexity: pagedComplexity, description: "Direct members (users and nested groups), in the order they were added" })
  async members(@Root() group: Group, @Args() page: PageArgsType, @Ctx() ctx: GraphContext) {
    const limit = pageSize(page.first);
    const rows = await ctx.loaders.memberPage.load({ groupId: group.id, afterId: page.after ? decodeCursor(page.after) : null, limit: limit + 1 });
    const pageRows = rows.slice(0, limit);
    const nodes = await Promise.all(pageRows.map((row) =>
      row.userId ? ctx.loaders.user.load(row.userId) : ctx.loaders.group.load(row.memberGroupId as string)));
    const edges = pageRows.map((row, i) => ({ cursor: encodeCursor(row.membershipId), node: nodes[i] as User | Group }));
    return { edges, nodes: edges.map((e) => e.node), pageInfo: { hasNextPage: rows.length > limit, endCursor: edges[edges.length - 1]?.cursor ?? null } };
  }

  @FieldResolver(() => Int, { description: "Number of direct members" })
  memberCount(@Root() group: Group, @Ctx() ctx: GraphContext) {
    return ctx.loaders.memberCount.load(group.id);
  }

  @FieldResolver(() => [GroupType], { description: "Groups this group is directly nested in" })
  async parentGroups(@Root() group: Group, @Ctx() ctx: GraphContext) {
    return ctx.loaders.group.loadMany(await ctx.loaders.parentGroupIds.load(group.id));
  }

  @Mutation(() => GroupType)
  createGroup(@Arg("input") input: CreateGroupInput, @Ctx() ctx: GraphContext) {
    return createGroup(ctx, input);
  }

  @Mutation(() => GroupType)
  updateGroup(@Arg("input") input: UpdateGroupInput, @Ctx() ctx: GraphContext) {
    return updateGroup(ctx, input);
  }

  @Mutation(() => GroupType, { description: "Links a group an admin created to the organization's identity provider: the IdP then owns it and may rename it, change its members and delete it (audited as group.link_scim)" })
  linkGroupToScim(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return linkGroupToScim(ctx, { id });
  }

  @Mutation(() => GroupType, { description: "Deletes the group with its memberships and bindings" })
  deleteGroup(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphContext) {
    return deleteGroup(ctx, { id });
  }

  @Mutation(() => GroupMembershipType, { description: "Adds a user or a group (nesting) to a group; a cycle is refused" })
  addGroupMember(@Arg("input") input: GroupMemberInput, @Ctx() ctx: GraphContext) {
    return addGroupMember(ctx, input);
  }

  @Mutation(() => GroupType, { description: "Removes a user or a group from a group" })
  removeGroupMember(@Arg("input") input: GroupMemberInput, @Ctx() ctx: GraphContext) {
    return removeGroupMember(ctx, input);
  }
}

@Resolver(() => GroupMembershipType)
export class GroupMembershipResolver {
  @FieldResolver(() => GroupType)
  group(@Root() membership: GroupMembership, @Ctx() ctx: GraphContext) {
    return ctx.loaders.group.load(membership.group.id);
  }

  @FieldResolver(() => GroupMemberUnion)
  member(@Root() membership: GroupMembership, @Ctx() ctx: GraphContext) {
    return membership.memberUser ? ctx.loaders.user.load(membership.memberUser.id) : ctx.loaders.group.load((membership.memberGroup as Group).id);
  }
}
