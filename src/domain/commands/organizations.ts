import { Account, Organization, Role } from "../../store/entities";
import type { DeprovisionMode } from "../../store/entities/organization";
import { recordAudit } from "../audit";
import { NO_ACCESS_CHANGE, trackAccess } from "../events/access-changes";
import { storeOf } from "../ports/store";
import { runCommand, type CommandContext } from "../command";
import { Invalid, NotFound } from "../errors";
import { findVisible, findVisibleOrganization } from "../lookup";
import { assertMembershipRateSettings } from "../rate-limits";
import { assertGlobal } from "../tenancy";
import { requireText } from "../validate";

/** Creates a tenant. Only global credentials may. */
export async function createOrganization(ctx: CommandContext, input: { name: string }): Promise<Organization> {
  assertGlobal(ctx.actor, "create organizations");
  return runCommand(ctx, async (em) => {
    const org = Object.assign(new Organization(), { name: requireText(input.name, "name") });
    em.persist(org);
    recordAudit(em, ctx.actor, { type: "organization.create", organizationId: org.id, targetType: "organization", targetId: org.id, data: { name: org.name } });
    return org;
  });
}

export interface OrganizationSettingsInput {
  id: string;
  name?: string;
  defaultRoleId?: string | null;
  scimAutoActivate?: boolean;
  scimSyncGroups?: boolean;
  scimDeprovisionMode?: DeprovisionMode;
  scimLinkAdminUsers?: boolean;
  maxGroups?: number | null;
  membershipRatePerSecond?: number | null;
  membershipBurst?: number | null;
}

/**
 * Renames an organization or changes its SCIM settings (default role, auto-activate, sync groups,
 * deprovisioning, group limit, membership rate limit).
 */
export async function updateOrganizationSettings(ctx: CommandContext, input: OrganizationSettingsInput): Promise<Organization> {
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.id);
    const changes: Record<string, unknown> = {};
    // A new default role changes the access of every user it applies to (those no mapping matches).
    const access = input.defaultRoleId !== undefined && input.defaultRoleId !== org.defaultRoleId
      ? await trackAccess(em, ctx.actor, org.id, () => storeOf(em).userIdsOfOrganization(em, org.id)) : NO_ACCESS_CHANGE;
    if (input.name !== undefined) changes.name = org.name = requireText(input.name, "name");
    if (input.defaultRoleId !== undefined) {
      if (input.defaultRoleId !== null) {
        const role = await em.findOne(Role, { id: input.defaultRoleId, organization: org.id });
        if (!role) throw NotFound.entity("role", input.defaultRoleId);
      }
      changes.defaultRoleId = org.defaultRoleId = input.defaultRoleId;
    }
    if (input.scimAutoActivate !== undefined) changes.scimAutoActivate = org.scimAutoActivate = setting(input.scimAutoActivate, "scimAutoActivate");
    if (input.scimSyncGroups !== undefined) changes.scimSyncGroups = org.scimSyncGroups = setting(input.scimSyncGroups, "scimSyncGroups");
    if (input.scimDeprovisionMode !== undefined) changes.scimDeprovisionMode = org.scimDeprovisionMode = setting(input.scimDeprovisionMode, "scimDeprovisionMode");
    if (input.scimLinkAdminUsers !== undefined) changes.scimLinkAdminUsers = org.scimLinkAdminUsers = setting(input.scimLinkAdminUsers, "scimLinkAdminUsers");
    if (input.maxGroups !== undefined) {
      if (input.maxGroups !== null && input.maxGroups < 0) throw new Invalid("maxGroups must be zero or more");
      changes.maxGroups = org.maxGroups = input.maxGroups;
    }
    if (input.membershipRatePerSecond !== undefined || input.membershipBurst !== undefined) {
      // The rate limit protects the service the organizations share: only its operator (a global
      // credential) sets it, never an organization for itself.
      assertGlobal(ctx.actor, "change its membership rate limit");
      const settings = {
        membershipRatePerSecond: input.membershipRatePerSecond === undefined ? org.membershipRatePerSecond : input.membershipRatePerSecond,
        membershipBurst: input.membershipBurst === undefined ? org.membershipBurst : input.membershipBurst,
      };
      assertMembershipRateSettings(settings);
      if (input.membershipRatePerSecond !== undefined) changes.membershipRatePerSecond = org.membershipRatePerSecond = settings.membershipRatePerSecond;
      if (input.membershipBurst !== undefined) changes.membershipBurst = org.membershipBurst = settings.membershipBurst;
    }
    await access.record(recordAudit(em, ctx.actor, { type: "organization.update", organizationId: org.id, targetType: "organization", targetId: org.id, data: changes }));
    return org;
  });
}

/** Creates an account inside an organization. */
export async function createAccount(ctx: CommandContext, input: { organizationId: string; name: string }): Promise<Account> {
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    const account = Object.assign(new Account(), { organization: org, name: requireText(input.name, "name") });
    em.persist(account);
    recordAudit(em, ctx.actor, { type: "account.create", organizationId: org.id, targetType: "account", targetId: account.id, data: { name: account.name } });
    return account;
  });
}

/** Renames an account. */
export async function updateAccount(ctx: CommandContext, input: { id: string; name: string }): Promise<Account> {
  return runCommand(ctx, async (em) => {
    const account = await findVisible(em, Account, "account", input.id, ctx.actor);
    account.name = requireText(input.name, "name");
    recordAudit(em, ctx.actor, { type: "account.update", organizationId: account.organization.id, targetType: "account", targetId: account.id, data: { name: account.name } });
    return account;
  });
}

/** Deletes an account and, through foreign keys, every binding and mapping scoped to it. */
export async function deleteAccount(ctx: CommandContext, id: string): Promise<Account> {
  return runCommand(ctx, async (em) => {
    const account = await findVisible(em, Account, "account", id, ctx.actor);
    const access = await trackAccess(em, ctx.actor, account.organization.id, () => storeOf(em).userIdsOfOrganization(em, account.organization.id), { deletedAccountId: account.id });
    em.remove(account);
    await access.record(recordAudit(em, ctx.actor, {
      type: "account.delete", organizationId: account.organization.id, targetType: "account", targetId: account.id, data: { name: account.name },
    }));
    return account;
  });
}

/** A setting that always has a value: null does not clear it (leave it out to keep it). */
function setting<T>(value: T | null, name: string): T {
  if (value === null) throw new Invalid(`${name} cannot be null; leave it out to keep its value`);
  return value;
}
