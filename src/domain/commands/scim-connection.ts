import { Group, Organization, ScimToken, User } from "../../store/entities";
import type { ScimDisableMode } from "../../store/entities/organization";
import { recordAudit } from "../audit";
import { NO_ACCESS_CHANGE, trackAccess } from "../events/access-changes";
import { storeOf } from "../ports/store";
import { runCommand, type CommandContext } from "../command";
import { findVisibleOrganization } from "../lookup";

/**
 * Turns SCIM off for an organization (StackAI's two modes). Both revoke every token.
 * SOFT: SCIM-managed users and groups stay as they are, now admin-managed.
 * LOCK: SCIM-managed users are deactivated (they lose all access) and stay SCIM-managed; only an
 * admin reactivates them, even once SCIM is enabled again.
 */
export async function disableScim(ctx: CommandContext, input: { organizationId: string; mode: ScimDisableMode }): Promise<Organization> {
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    const now = new Date();
    // Locking deactivates the IdP's users: they lose all access.
    const access = input.mode === "LOCK"
      ? await trackAccess(em, ctx.actor, org.id, () => storeOf(em).userIdsOfOrganization(em, org.id)) : NO_ACCESS_CHANGE;
    const revokedTokens = await em.nativeUpdate(ScimToken, { organization: org.id, revokedAt: null }, { revokedAt: now });
    let affectedUsers: number;
    if (input.mode === "SOFT") {
      affectedUsers = await em.nativeUpdate(User, { organization: org.id, managedBy: "SCIM" }, { managedBy: "ADMIN", updatedAt: now });
      await em.nativeUpdate(Group, { organization: org.id, managedBy: "SCIM" }, { managedBy: "ADMIN", updatedAt: now });
    } else {
      // Locked users wait for an admin: re-enabling SCIM does not let the IdP reactivate them.
      affectedUsers = await em.nativeUpdate(User, { organization: org.id, managedBy: "SCIM" }, { active: false, pendingAdminActivation: true, updatedAt: now });
    }
    org.scimEnabled = false;
    await access.record(recordAudit(em, ctx.actor, {
      type: "organization.update", organizationId: org.id, targetType: "organization", targetId: org.id, data: { scimEnabled: false, mode: input.mode, revokedTokens, affectedUsers },
    }));
    return org;
  });
}

/** Turns SCIM back on; new tokens must be issued (disabling revoked the old ones). */
export async function enableScim(ctx: CommandContext, input: { organizationId: string }): Promise<Organization> {
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    org.scimEnabled = true;
    recordAudit(em, ctx.actor, { type: "organization.update", organizationId: org.id, targetType: "organization", targetId: org.id, data: { scimEnabled: true } });
    return org;
  });
}
