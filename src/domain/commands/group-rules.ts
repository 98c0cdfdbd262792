import type { EntityManager } from "@mikro-orm/core";
import { Group, Organization } from "../../store/entities";
import { actsForIdp, type Actor } from "../actor";
import type { CommandContext } from "../command";
import { Forbidden, Invalid } from "../errors";
import { findVisible } from "../lookup";
import { assertVersion } from "../versions";

/**
 * Rules every change to a group obeys: the actor must see it, the caller's version must be
 * current, an identity provider may touch groups only while the org syncs groups, and only a
 * group's owner changes `fields` of it (assertGroupOwner).
 */
export async function loadGroupForChange(
  em: EntityManager, ctx: CommandContext, groupId: string, ifVersion: number | undefined, fields: string[],
): Promise<Group> {
  // Locked: every change to a group reads it (version, members) before writing (lookup.ts LoadOptions).
  const group = await findVisible(em, Group, "group", groupId, ctx.actor, { forUpdate: true });
  if (actsForIdp(ctx.actor)) await assertIdpMayManageGroups(em, group.organization.id);
  assertVersion(group.version, ifVersion);
  assertGroupOwner(ctx.actor, group, fields);
  return group;
}

/** The org setting "sync groups": when off, identity providers may not read or change groups. */
export async function assertIdpMayManageGroups(em: EntityManager, organizationId: string): Promise<Organization> {
  const org = await em.findOneOrFail(Organization, { id: organizationId });
  assertGroupSyncOn(org);
  return org;
}

/** The same rule, for an organization already read. */
export function assertGroupSyncOn(org: Organization): void {
  if (!org.scimSyncGroups) throw groupSyncIsOff();
}

export function groupSyncIsOff(): Forbidden {
  return new Forbidden("group provisioning is turned off for this organization (the \"sync groups\" setting); users can still be provisioned");
}

/**
 * Who may change a group's `fields`: its owner. Admins may not change what an identity provider
 * owns (a SCIM-managed group's attributes and members: the IdP would overwrite them on its next
 * push), and an identity provider changes (renames, adds or removes members of, deletes) only the
 * groups it owns — those it created, and those an admin linked to it (linkGroupToScim). A group
 * an admin made is readable over SCIM, but its members are an admin's to choose: roles bound on
 * it would otherwise be the IdP's to hand out.
 */
export function assertGroupOwner(actor: Actor, group: Pick<Group, "id" | "managedBy">, fields: string[]): void {
  if (fields.length === 0) return;
  const idp = actsForIdp(actor);
  if (group.managedBy === "SCIM" && !idp) throw Invalid.ownedByIdp("group", fields);
  if (group.managedBy !== "SCIM" && idp) {
    throw new Forbidden(
      `group ${group.id} was created by an administrator and is not linked to the identity provider; an admin links it with linkGroupToScim`,
    );
  }
}

/** Every change bumps the version (the SCIM ETag) and lastModified. */
export function touch(group: Group): void {
  group.version += 1;
  group.updatedAt = new Date();
}
