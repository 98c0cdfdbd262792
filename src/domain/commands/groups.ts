import type { EntityManager } from "@mikro-orm/core";
import { Group, GroupMembership, User } from "../../store/entities";
import { ancestorGroupIds, deleteMemberships, insertMemberships, type MemberIds } from "../../store/memberships";
import { actsForIdp } from "../actor";
import { recordAudit } from "../audit";
import { runCommand, type CommandContext } from "../command";
import { Invalid, NotFound } from "../errors";
import { findVisible, findVisibleOrganization } from "../lookup";
import { nameKey, requireText } from "../validate";
import { assertVersion } from "../versions";

export interface GroupAttributes {
  displayName: string;
  externalId: string | null;
  extra: Record<string, unknown> | null;
}

const GROUP_ATTRIBUTE_NAMES: ReadonlyArray<keyof GroupAttributes> = ["displayName", "externalId", "extra"];

/** Creates a group, honouring the organization's group limit. */
export async function createGroup(
  ctx: CommandContext,
  input: { organizationId: string } & Pick<GroupAttributes, "displayName"> & Partial<GroupAttributes>,
): Promise<Group> {
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    if (org.maxGroups !== null && (await em.count(Group, { organization: org.id })) >= org.maxGroups) {
      throw new Invalid(`the organization already has its maximum of ${org.maxGroups} groups`, "limit");
    }
    const group = new Group();
    group.organization = org;
    group.managedBy = actsForIdp(ctx.actor) ? "SCIM" : "ADMIN";
    const changes = assignGroupAttributes(group, input);
    em.persist(group);
    recordAudit(em, ctx.actor, { type: "group.create", organizationId: org.id, targetType: "group", targetId: group.id, data: changes });
    return group;
  });
}

/** Renames a group or changes its externalId. */
export async function updateGroup(
  ctx: CommandContext, input: { id: string; ifVersion?: number } & Partial<GroupAttributes>,
): Promise<Group> {
  return runCommand(ctx, async (em) => {
    const group = await findVisible(em, Group, "group", input.id, ctx.actor);
    assertVersion(group.version, input.ifVersion);
    assertIdpOwnership(ctx, group, GROUP_ATTRIBUTE_NAMES.filter((name) => input[name] !== undefined));
    const changes = assignGroupAttributes(group, input);
    if (Object.keys(changes).length > 0) touch(group);
    recordAudit(em, ctx.actor, { type: "group.update", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: changes });
    return group;
  });
}

/** Deletes a group; its memberships (both ways) and bindings go with it. */
export async function deleteGroup(ctx: CommandContext, input: { id: string; ifVersion?: number }): Promise<Group> {
  return runCommand(ctx, async (em) => {
    const group = await findVisible(em, Group, "group", input.id, ctx.actor);
    assertVersion(group.version, input.ifVersion);
    assertIdpOwnership(ctx, group, ["displayName"]);
    em.remove(group);
    recordAudit(em, ctx.actor, { type: "group.delete", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { displayName: group.displayName } });
    return group;
  });
}

/**
 * Adds users and groups to a group: one existence check for all of them, one cycle check for the
 * nested groups, then one multi-row insert. Members already present are left as they are.
 */
export async function addGroupMembers(
  ctx: CommandContext, input: { groupId: string; ifVersion?: number } & MemberIds,
): Promise<Group> {
  return runCommand(ctx, async (em) => {
    const group = await loadGroupForMembershipChange(em, ctx, input.groupId, input.ifVersion);
    const members = dedupe(input);
    await assertMembersInOrg(em, group.organization.id, members);
    await assertNoCycle(em, group, members.groupIds);
    await insertMemberships(em, group.id, members);
    touch(group);
    recordAudit(em, ctx.actor, { type: "group.member_add", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { ...members } });
    return group;
  });
}

/** Removes exactly the listed members from a group (never the whole list). */
export async function removeGroupMembers(
  ctx: CommandContext, input: { groupId: string; ifVersion?: number } & MemberIds,
): Promise<Group> {
  return runCommand(ctx, async (em) => {
    const group = await loadGroupForMembershipChange(em, ctx, input.groupId, input.ifVersion);
    const members = dedupe(input);
    await deleteMemberships(em, group.id, members);
    touch(group);
    recordAudit(em, ctx.actor, { type: "group.member_remove", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { ...members } });
    return group;
  });
}

/** Adds one user or group and returns the membership row (new or already there). */
export async function addGroupMember(
  ctx: CommandContext, input: { groupId: string; userId?: string | null; memberGroupId?: string | null },
): Promise<GroupMembership> {
  const members = singleMember(input);
  await addGroupMembers(ctx, { groupId: input.groupId, ...members });
  const membership = await ctx.em.fork().findOne(GroupMembership, {
    group: input.groupId,
    ...(input.userId ? { memberUser: input.userId } : { memberGroup: input.memberGroupId }),
  });
  if (!membership) throw new NotFound("the membership was removed concurrently");
  return membership;
}

/** Removes one user or group from a group. */
export async function removeGroupMember(
  ctx: CommandContext, input: { groupId: string; userId?: string | null; memberGroupId?: string | null },
): Promise<Group> {
  return removeGroupMembers(ctx, { groupId: input.groupId, ...singleMember(input) });
}

function singleMember(input: { userId?: string | null; memberGroupId?: string | null }): MemberIds {
  if (Boolean(input.userId) === Boolean(input.memberGroupId)) throw new Invalid("give exactly one of userId or memberGroupId");
  return input.userId ? { userIds: [input.userId], groupIds: [] } : { userIds: [], groupIds: [input.memberGroupId as string] };
}

async function loadGroupForMembershipChange(em: EntityManager, ctx: CommandContext, groupId: string, ifVersion?: number): Promise<Group> {
  const group = await findVisible(em, Group, "group", groupId, ctx.actor);
  assertVersion(group.version, ifVersion);
  assertIdpOwnership(ctx, group, ["members"]);
  return group;
}

function assertIdpOwnership(ctx: CommandContext, group: Group, fields: string[]): void {
  if (group.managedBy === "SCIM" && !actsForIdp(ctx.actor) && fields.length > 0) throw Invalid.ownedByIdp("group", fields);
}

function dedupe(members: MemberIds): MemberIds {
  return { userIds: [...new Set(members.userIds)], groupIds: [...new Set(members.groupIds)] };
}

/** Every member must exist in the group's own organization: one query per member kind. */
async function assertMembersInOrg(em: EntityManager, organizationId: string, members: MemberIds): Promise<void> {
  const checks: Array<[typeof User | typeof Group, string[], string]> = [[User, members.userIds, "user"], [Group, members.groupIds, "group"]];
  for (const [entity, ids, kind] of checks) {
    if (ids.length === 0) continue;
    const found = await em.find(entity as typeof User, { id: { $in: ids }, organization: organizationId }, { fields: ["id"] });
    const foundIds = new Set(found.map((row) => row.id));
    const missing = ids.find((id) => !foundIds.has(id));
    if (missing !== undefined) throw NotFound.entity(kind, missing);
  }
}

/** Nesting M inside G makes a cycle when G already sits inside M (or M is G). */
async function assertNoCycle(em: EntityManager, group: Group, memberGroupIds: string[]): Promise<void> {
  if (memberGroupIds.length === 0) return;
  const ancestors = await ancestorGroupIds(em, group.id);
  ancestors.add(group.id);
  const offending = memberGroupIds.find((id) => ancestors.has(id));
  if (offending !== undefined) {
    const member = await em.findOne(Group, { id: offending });
    throw Invalid.groupCycle(group.displayName, member?.displayName ?? offending);
  }
}

function touch(group: Group): void {
  group.version += 1;
  group.updatedAt = new Date();
}

function assignGroupAttributes(group: Group, attributes: Partial<GroupAttributes>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const name of GROUP_ATTRIBUTE_NAMES) {
    let value = attributes[name];
    if (value === undefined) continue;
    if (name === "displayName") value = requireText(value as string, "displayName");
    if (JSON.stringify(group[name]) === JSON.stringify(value)) continue;
    (group as unknown as Record<string, unknown>)[name] = value;
    changes[name] = value;
  }
  if (changes.displayName !== undefined) group.displayNameKey = nameKey(group.displayName);
  return changes;
}
