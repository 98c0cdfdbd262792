import type { EntityManager } from "@mikro-orm/core";
import { Organization, type User } from "../store/entities";
import { actsForIdp, type Actor } from "./actor";
import { recordAudit } from "./audit";
import type { CommandContext } from "./command";
import { Forbidden, NotFound } from "./errors";
import { storeOf } from "./ports/store";

/**
 * What an identity provider may do to users it did not create (README "Security model"):
 * - a user an admin marked `protectedFromScim` (a break-glass account) does not exist for SCIM:
 *   every read, list, filter, member reference, change and delete answers as for an unknown id;
 * - a user an admin created is readable, but the IdP changes or deletes it only once it is
 *   linked to the IdP: explicitly by an admin (linkUserToScim), or by the organization's
 *   `scimLinkAdminUsers` setting, which links it on the IdP's first change (audited either way);
 * - a user waiting for an admin's activation (auto-activate off, or SCIM disabled in LOCK mode)
 *   stays inactive whatever the IdP sends: its `active: true` is not applied.
 */

/** A user hidden from SCIM answers NOT_FOUND to an identity provider, exactly like an unknown id. */
export function assertIdpMaySee(actor: Actor, user: Pick<User, "id" | "protectedFromScim">): void {
  if (actsForIdp(actor) && user.protectedFromScim) throw NotFound.entity("user", user.id);
}

/**
 * Before an identity provider changes or deletes `user`: an admin-made user is linked when the
 * organization allows it (audited as user.link_scim), and refused otherwise.
 */
export async function admitIdpChange(em: EntityManager, ctx: CommandContext, user: User): Promise<void> {
  if (!actsForIdp(ctx.actor) || user.managedBy === "SCIM") return;
  const org = await em.findOneOrFail(Organization, { id: user.organization.id });
  if (!org.scimLinkAdminUsers) {
    throw new Forbidden(
      `user ${user.id} was created by an administrator and is not linked to the identity provider; ` +
        "an admin links it with linkUserToScim (or turns on the organization's scimLinkAdminUsers setting)",
    );
  }
  linkToIdp(em, ctx, user, "organization setting scimLinkAdminUsers");
}

/** Makes an admin-made user SCIM-managed: from now on the IdP owns its attributes. */
export function linkToIdp(em: EntityManager, ctx: CommandContext, user: User, reason: string): void {
  user.managedBy = "SCIM";
  user.version += 1;
  user.updatedAt = new Date();
  recordAudit(em, ctx.actor, { type: "user.link_scim", organizationId: user.organization.id, targetType: "user", targetId: user.id, data: { managedBy: "SCIM", reason } });
}

/** The IdP's `active: true` does not lift a hold only an admin may lift. */
export function idpMayActivate(actor: Actor, user: Pick<User, "pendingAdminActivation">): boolean {
  return !(actsForIdp(actor) && user.pendingAdminActivation);
}

/**
 * The users of a group an identity provider cannot see (protected from SCIM): they are not in the
 * member list it reads, and so no change it makes to that list — a replacement, emptying it —
 * takes them out. One indexed read; the rare group holding one is an admin's (a break-glass
 * account in a group bound to an administrator role).
 */
export async function membersHiddenFromIdp(em: EntityManager, actor: Actor, groupId: string): Promise<string[]> {
  if (!actsForIdp(actor)) return [];
  return storeOf(em).protectedUserMembers(em, groupId);
}
