import type { EntityManager } from "@mikro-orm/core";
import { Account, Group, Organization, Role, RoleBinding, RoleMapping, User } from "../../store/entities";
import { roleBindingIdentityKey } from "../../store/entities/role-binding";
import { recordAudit } from "../audit";
import { runCommand, type CommandContext } from "../command";
import { Invalid, NotFound } from "../errors";
import { trackAccess, usersInGroups } from "../events/access-changes";
import { findVisible, findVisibleOrganization } from "../lookup";
import { storeOf } from "../ports/store";
import { assertOrgVisible } from "../tenancy";
import { assertStorableText, nameKey, requireText, validPermissions } from "../validate";

export interface RoleInput {
  organizationId: string;
  key: string;
  name: string;
  description?: string | null;
  permissions: string[];
}

/** Role keys are stable identifiers apps may hard-code: lower-case letters, digits, `_`, `-`, `.`. */
const ROLE_KEY_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

/** Defines a role (key, name, permissions) in an organization. */
export async function createRole(ctx: CommandContext, input: RoleInput): Promise<Role> {
  return runCommand(ctx, async (em) => {
    const org = await findVisibleOrganization(em, ctx.actor, input.organizationId);
    const key = requireText(input.key, "key", 128);
    if (!ROLE_KEY_PATTERN.test(key)) throw new Invalid(`role key "${key}" must be lower-case letters, digits, "_", "-" or "."`);
    const role = Object.assign(new Role(), {
      organization: org,
      key,
      name: requireText(input.name, "name"),
      description: checkedDescription(input.description ?? null),
      permissions: validPermissions(input.permissions),
    });
    em.persist(role);
    recordAudit(em, ctx.actor, { type: "role.create", organizationId: org.id, targetType: "role", targetId: role.id, data: { key, permissions: role.permissions } });
    return role;
  });
}

/** Renames a role or changes its permissions; the change applies to every binding at once. */
export async function updateRole(
  ctx: CommandContext, input: { id: string; name?: string; description?: string | null; permissions?: string[] },
): Promise<Role> {
  return runCommand(ctx, async (em) => {
    const role = await findVisible(em, Role, "role", input.id, ctx.actor);
    const changes: Record<string, unknown> = {};
    if (input.name !== undefined) changes.name = role.name = requireText(input.name, "name");
    if (input.description !== undefined) changes.description = role.description = checkedDescription(input.description);
    if (input.permissions !== undefined) changes.permissions = role.permissions = validPermissions(input.permissions);
    recordAudit(em, ctx.actor, { type: "role.update", organizationId: role.organization.id, targetType: "role", targetId: role.id, data: changes });
    return role;
  });
}

/** Deletes a role with its bindings and mappings; clears it as the organization's default role. */
export async function deleteRole(ctx: CommandContext, id: string): Promise<Role> {
  return runCommand(ctx, async (em) => {
    const role = await findVisible(em, Role, "role", id, ctx.actor);
    // Its bindings and mappings go with it, and it may be the default role: anyone may lose it.
    const access = await trackAccess(em, ctx.actor, role.organization.id, () => storeOf(em).userIdsOfOrganization(em, role.organization.id));
    await em.nativeUpdate(Organization, { id: role.organization.id, defaultRoleId: role.id }, { defaultRoleId: null });
    em.remove(role);
    await access.record(recordAudit(em, ctx.actor, { type: "role.delete", organizationId: role.organization.id, targetType: "role", targetId: role.id, data: { key: role.key } }));
    return role;
  });
}

export interface BindRoleInput {
  roleId: string;
  userId?: string | null;
  groupId?: string | null;
  organizationId?: string | null;
  accountId?: string | null;
}

/** Binds a role to a user or a group, for the whole organization or for one account. */
export async function bindRole(ctx: CommandContext, input: BindRoleInput): Promise<RoleBinding> {
  if (Boolean(input.userId) === Boolean(input.groupId)) throw new Invalid("give exactly one subject: userId or groupId");
  if (Boolean(input.organizationId) === Boolean(input.accountId)) throw new Invalid("give exactly one scope: organizationId or accountId");
  return runCommand(ctx, async (em) => {
    const role = await findVisible(em, Role, "role", input.roleId, ctx.actor);
    const orgId = role.organization.id;
    if (input.organizationId && input.organizationId !== orgId) throw new Invalid("the role belongs to another organization than the scope");
    const binding = new RoleBinding();
    binding.organization = role.organization;
    binding.role = role;
    if (input.userId) binding.subjectUser = await findInOrg(em, User, "user", input.userId, orgId);
    if (input.groupId) binding.subjectGroup = await findInOrg(em, Group, "group", input.groupId, orgId);
    if (input.accountId) binding.account = await findInOrg(em, Account, "account", input.accountId, orgId);
    const subject = input.userId ? `user:${input.userId}` : `group:${input.groupId}`;
    binding.identityKey = roleBindingIdentityKey(role.id, subject, input.accountId ?? null);
    const access = await trackAccess(em, ctx.actor, orgId, () => subjectUsers(em, binding));
    em.persist(binding);
    await access.record(recordAudit(em, ctx.actor, {
      type: "role_binding.create", organizationId: orgId, targetType: "role_binding", targetId: binding.id, data: { roleId: role.id, subject, accountId: input.accountId ?? null },
    }));
    return binding;
  });
}

/** Removes a role binding. */
export async function unbindRole(ctx: CommandContext, id: string): Promise<RoleBinding> {
  return runCommand(ctx, async (em) => {
    const binding = await findVisible(em, RoleBinding, "role binding", id, ctx.actor);
    const access = await trackAccess(em, ctx.actor, binding.organization.id, () => subjectUsers(em, binding));
    em.remove(binding);
    await access.record(recordAudit(em, ctx.actor, {
      type: "role_binding.delete", organizationId: binding.organization.id, targetType: "role_binding", targetId: binding.id,
      data: { roleId: binding.role.id, subject: binding.subjectUser ? `user:${binding.subjectUser.id}` : `group:${binding.subjectGroup?.id}`, accountId: binding.account?.id ?? null },
    }));
    return binding;
  });
}

/**
 * Maps an IdP role value (matched case-insensitively) to a role, for the organization or one
 * account. Setting a value that is already mapped at that scope points it at the new role.
 */
export async function setRoleMapping(
  ctx: CommandContext, input: { organizationId: string; idpValue: string; roleId: string; accountId?: string | null },
): Promise<RoleMapping> {
  return runCommand(ctx, async (em) => {
    assertOrgVisible(ctx.actor, input.organizationId, "organization", input.organizationId);
    const role = await findInOrg(em, Role, "role", input.roleId, input.organizationId);
    const account = input.accountId ? await findInOrg(em, Account, "account", input.accountId, input.organizationId) : null;
    const idpValue = requireText(input.idpValue, "idpValue");
    const scopeKey = account ? account.id : "org";
    const access = await trackAccess(em, ctx.actor, input.organizationId, () => storeOf(em).userIdsOfOrganization(em, input.organizationId));
    let mapping = await em.findOne(RoleMapping, { organization: input.organizationId, idpValueKey: nameKey(idpValue), scopeKey });
    if (!mapping) {
      mapping = Object.assign(new RoleMapping(), { organization: role.organization, idpValueKey: nameKey(idpValue), scopeKey, account });
      em.persist(mapping);
    }
    mapping.idpValue = idpValue;
    mapping.role = role;
    await access.record(recordAudit(em, ctx.actor, {
      type: "role_mapping.set", organizationId: input.organizationId, targetType: "role_mapping", targetId: mapping.id, data: { idpValue, roleId: role.id, accountId: account?.id ?? null },
    }));
    return mapping;
  });
}

/** Removes a role mapping. */
export async function deleteRoleMapping(ctx: CommandContext, id: string): Promise<RoleMapping> {
  return runCommand(ctx, async (em) => {
    const mapping = await findVisible(em, RoleMapping, "role mapping", id, ctx.actor);
    const access = await trackAccess(em, ctx.actor, mapping.organization.id, () => storeOf(em).userIdsOfOrganization(em, mapping.organization.id));
    em.remove(mapping);
    await access.record(recordAudit(em, ctx.actor, {
      type: "role_mapping.delete", organizationId: mapping.organization.id, targetType: "role_mapping", targetId: mapping.id,
      data: { idpValue: mapping.idpValue, roleId: mapping.role.id, accountId: mapping.account?.id ?? null },
    }));
    return mapping;
  });
}

/** A row of `entity` with this id in this organization, or NOT_FOUND. */
async function findInOrg<T extends { id: string }>(
  em: EntityManager, entity: new () => T, kind: string, id: string, organizationId: string,
): Promise<T> {
  const row = await em.findOne(entity, { id, organization: organizationId } as never);
  if (!row) throw NotFound.entity(kind, id);
  return row as T;
}

/** The users a binding reaches: its user, or every user in its group (directly or through nested groups). */
async function subjectUsers(em: EntityManager, binding: RoleBinding): Promise<string[]> {
  if (binding.subjectUser) return [binding.subjectUser.id];
  return binding.subjectGroup ? usersInGroups(em, [binding.subjectGroup.id]) : [];
}

/** A role's description: free text, bounded like every stored text (null: none). */
function checkedDescription(description: string | null): string | null {
  if (description !== null) assertStorableText(description, "description");
  return description;
}
