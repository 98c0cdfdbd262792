import type { EntityManager } from "@mikro-orm/core";
import { Group, Organization } from "../../store/entities";
import { actsForIdp } from "../actor";
import { auditEvent, recordAudit, type AuditRecord } from "../audit";
import { rolesBoundOnOrAbove, trackAccess, usersInGroups } from "../events/access-changes";
import { insertCommand, runCommand, type CommandContext } from "../command";
import { Forbidden, Invalid } from "../errors";
import { membersHiddenFromIdp } from "../idp-policy";
import { findVisibleOrganization, readVisibleGroup, readVisibleOrganization } from "../lookup";
import { assertStorableJson } from "../json-limits";
import { sameJson } from "../same-value";
import { assertStorableText, nameKey, requireName } from "../validate";
import { applyMembershipChange, classifyMembers, type MembershipChange } from "./group-members";
import { batchedMemberChange } from "./membership-batch";
import { assertGroupSyncOn, assertGroupOwner, assertIdpMayManageGroups, loadGroupForChange, touch } from "./group-rules";
import { limitMembershipChanges, planListChange, type MembershipPlan, type UntypedMembershipChange } from "./membership-limit";

export interface GroupAttributes {
  displayName: string;
  externalId: string | null;
  extra: Record<string, unknown> | null;
}

const GROUP_ATTRIBUTE_NAMES: ReadonlyArray<keyof GroupAttributes> = ["displayName", "externalId", "extra"];

/** Creates a group, honouring the organization's group limit; SCIM may create it with members. */
export async function createGroup(
  ctx: CommandContext,
  input: { organizationId: string; memberIds?: string[] } & Pick<GroupAttributes, "displayName"> & Partial<GroupAttributes>,
): Promise<Group> {
  const members = new Set(input.memberIds ?? []).size;
  if (members === 0) {
    // Created empty, as Okta's Push Groups and Entra ID create groups (members come in PATCHes):
    // with no group limit to count under a lock, it is two inserts, group-committed like a user's,
    // and the unique index on the name decides a 409.
    const org = await readVisibleOrganization(ctx.em, ctx.actor, input.organizationId);
    if (org.maxGroups === null) {
      if (actsForIdp(ctx.actor)) assertGroupSyncOn(org);
      const { group, changes } = newGroup(ctx, org, input);
      await insertCommand(ctx, [group, auditEvent(ctx.actor, createdEvent(org, group, changes))]);
      return group;
    }
  }
  const plan = members > 0 ? { organizationId: input.organizationId, members } : null;
  return limitMembershipChanges(ctx, plan, () => runCommand(ctx, async (em) => {
    // The organization row is locked while its groups are counted, so two creates racing for the
    // last place under maxGroups take turns: the second counts the first.
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId, { forUpdate: true });
    if (actsForIdp(ctx.actor)) await assertIdpMayManageGroups(em, org.id);
    if (org.maxGroups !== null && (await em.count(Group, { organization: org.id })) >= org.maxGroups) {
      throw new Invalid(`the organization already has its maximum of ${org.maxGroups} groups`, "limit");
    }
    const { group, changes } = newGroup(ctx, org, input);
    em.persist(group);
    recordAudit(em, ctx.actor, createdEvent(org, group, changes));
    let changed = 0;
    if (input.memberIds && input.memberIds.length > 0) {
      await em.flush();
      // knownMembers has just found them in this transaction; one deleted since is the foreign key's to refuse.
      changed = await applyMembershipChange(em, ctx, group, { add: await knownMembers(em, ctx, org.id, input.memberIds), membersVerified: true });
    }
    return { result: group, changed };
  }));
}

function newGroup(ctx: CommandContext, org: Organization, attributes: Partial<GroupAttributes>): { group: Group; changes: Record<string, unknown> } {
  const group = new Group();
  group.organization = org;
  group.managedBy = actsForIdp(ctx.actor) ? "SCIM" : "ADMIN";
  return { group, changes: assignGroupAttributes(group, attributes) };
}

function createdEvent(org: Organization, group: Group, changes: Record<string, unknown>): AuditRecord {
  return { type: "group.create", organizationId: org.id, targetType: "group", targetId: group.id, data: changes };
}

/** Renames a group or changes its externalId. */
export async function updateGroup(
  ctx: CommandContext, input: { id: string; ifVersion?: number } & Partial<GroupAttributes>,
): Promise<Group> {
  return patchGroup(ctx, { id: input.id, ifVersion: input.ifVersion, attributes: pickAttributes(input) });
}

/** What one request changes of a group: attributes, members, or both. */
export interface GroupChange {
  attributes?: Partial<GroupAttributes>;
  members?: UntypedMembershipChange;
}

/**
 * Changes a group's attributes and members in one transaction (SCIM PUT): all of it happens or
 * none of it does.
 */
export async function patchGroup(ctx: CommandContext, input: { id: string; ifVersion?: number } & GroupChange): Promise<Group> {
  const { id, ifVersion, ...change } = input;
  const plan = change.members ? await planGroupChange(ctx, id, () => change) : null;
  return applyGroupChange(ctx, { id, ifVersion }, () => change, plan);
}

/**
 * A read-modify-write of one group (SCIM PATCH): `change` computes the change from the group as
 * the write transaction reads it, so parallel PATCHes (a rename here, a member there) apply one
 * after the other and none is lost. Only a client that names a version (If-Match) can conflict.
 */
export async function changeGroup(
  ctx: CommandContext, target: { id: string; ifVersion?: number }, change: (current: Group) => GroupChange,
): Promise<Group> {
  return applyGroupChange(ctx, target, change, await planGroupChange(ctx, target.id, change));
}

/**
 * What a group change will do to the members, for the rate limit, before its transaction: `change`
 * is computed once more from the group as a read outside it finds it (a PATCH's member operations
 * do not depend on the group; a change that is invalid fails here, before anything is counted).
 */
async function planGroupChange(ctx: CommandContext, id: string, change: (current: Group) => GroupChange): Promise<MembershipPlan | null> {
  if (!ctx.limits) return null;
  const em = ctx.em.fork();
  const group = await readVisibleGroup(em, id, ctx.actor);
  const { members } = change(group);
  return members ? planListChange(em, group.organization.id, group.id, members) : null;
}

async function applyGroupChange(
  ctx: CommandContext, target: { id: string; ifVersion?: number }, change: (current: Group) => GroupChange, plan: MembershipPlan | null,
): Promise<Group> {
  return limitMembershipChanges(ctx, plan, () => runCommand(ctx, async (em) => {
    const group = await loadGroupForChange(em, ctx, target.id, target.ifVersion, []);
    const { attributes = {}, members } = change(group);
    const owned = GROUP_ATTRIBUTE_NAMES.filter((name) => attributes[name] !== undefined) as string[];
    if (members) owned.push("members");
    assertGroupOwner(ctx.actor, group, owned);
    const changes = assignGroupAttributes(group, attributes);
    const renamed = Object.keys(changes).length > 0;
    if (renamed) {
      recordAudit(em, ctx.actor, { type: "group.update", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: changes });
    }
    const changed = members ? await applyMembershipChange(em, ctx, group, await typedChange(em, ctx, group.organization.id, members)) : 0;
    if (renamed || changed > 0) touch(group);
    return { result: group, changed };
  }));
}

/**
 * Adds and removes members named by id alone (SCIM's `members[].value`, a user or a group) and
 * nothing else: group-committed with other requests' member changes (membership-batch.ts), or, when
 * it nests groups, as the read-modify-write of changeGroup.
 */
export function changeGroupMembers(ctx: CommandContext, input: { id: string; ifVersion?: number; add: string[]; remove: string[] }): Promise<Group> {
  const { id, ifVersion, add, remove } = input;
  return batchedMemberChange(ctx, { groupId: id, ifVersion, add: { userIds: [], groupIds: [], anyIds: add }, remove: { userIds: [], groupIds: [], anyIds: remove } },
    () => changeGroup(ctx, { id, ifVersion }, () => ({ members: { add, remove } })));
}

/** Deletes a group; its memberships (both ways) and bindings go with it. */
export async function deleteGroup(ctx: CommandContext, input: { id: string; ifVersion?: number }): Promise<Group> {
  return runCommand(ctx, async (em) => {
    const group = await loadGroupForChange(em, ctx, input.id, input.ifVersion, ["displayName"]);
    if ((await membersHiddenFromIdp(em, ctx.actor, group.id)).length > 0) {
      // Deleting it would take away what it gives them, which the IdP may not touch.
      throw new Forbidden(`group ${group.id} has members the identity provider cannot see (users protected from SCIM); an admin must remove them before the identity provider can delete it`);
    }
    // Its users lose what is bound on it, and what is bound above it reached them through it.
    const access = await trackAccess(em, ctx.actor, group.organization.id,
      async () => ((await rolesBoundOnOrAbove(em, [group.id])) ? usersInGroups(em, [group.id]) : []));
    em.remove(group);
    await access.record(recordAudit(em, ctx.actor, {
      type: "group.delete", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { displayName: group.displayName },
    }));
    return group;
  });
}

/**
 * Links a group an admin created to the organization's identity provider: it becomes SCIM-managed,
 * and the IdP may then rename it, change its members and delete it (group-rules.ts
 * assertGroupOwner) — Okta's "link to an existing group" when it pushes a group of the same name.
 * An explicit admin decision, audited as group.link_scim.
 */
export async function linkGroupToScim(ctx: CommandContext, input: { id: string }): Promise<Group> {
  if (actsForIdp(ctx.actor)) throw new Forbidden("only an admin may link a group to the identity provider");
  return runCommand(ctx, async (em) => {
    const group = await loadGroupForChange(em, ctx, input.id, undefined, []);
    if (group.managedBy === "SCIM") return group;
    group.managedBy = "SCIM";
    touch(group);
    recordAudit(em, ctx.actor, { type: "group.link_scim", organizationId: group.organization.id, targetType: "group", targetId: group.id, data: { displayName: group.displayName, managedBy: "SCIM" } });
    return group;
  });
}

/** Sorts SCIM member ids into users and groups; adding an id that is neither is refused. */
async function typedChange(em: EntityManager, ctx: CommandContext, organizationId: string, change: UntypedMembershipChange): Promise<MembershipChange> {
  return {
    replaceWith: change.replaceWith ? await knownMembers(em, ctx, organizationId, change.replaceWith) : null,
    removeAll: change.removeAll,
    // Removing an id that is not a member (or does not exist) is a no-op: IdPs retry removals.
    remove: change.remove ? await classifyMembers(em, organizationId, change.remove, ctx.actor) : undefined,
    add: change.add ? await knownMembers(em, ctx, organizationId, change.add) : undefined,
    membersVerified: true,
  };
}

async function knownMembers(em: EntityManager, ctx: CommandContext, organizationId: string, ids: string[]) {
  const members = await classifyMembers(em, organizationId, ids, ctx.actor);
  if (members.unknown.length > 0) throw new Invalid(`no user or group with id ${members.unknown[0]} exists in this organization`);
  return members;
}

function pickAttributes(input: Partial<GroupAttributes>): Partial<GroupAttributes> {
  const picked: Partial<GroupAttributes> = {};
  for (const name of GROUP_ATTRIBUTE_NAMES) if (input[name] !== undefined) (picked as Record<string, unknown>)[name] = input[name];
  return picked;
}

function assignGroupAttributes(group: Group, attributes: Partial<GroupAttributes>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const name of GROUP_ATTRIBUTE_NAMES) {
    let value = attributes[name];
    if (value === undefined) continue;
    if (name === "displayName") value = requireName(value as string, "displayName");
    if (sameJson(group[name], value)) continue;
    if (typeof value === "string") assertStorableText(value, name);
    else assertStorableJson(value, name);
    (group as unknown as Record<string, unknown>)[name] = value;
    changes[name] = value;
  }
  if (changes.displayName !== undefined) group.displayNameKey = nameKey(group.displayName);
  return changes;
}
