import type { EntityManager, FilterQuery } from "@mikro-orm/core";
import { Account, ApiKey, AuditEvent, Group, Organization, Role, RoleBinding, RoleMapping, ScimToken, User } from "../../store/entities";
import type { Actor } from "../actor";
import { readVisibleOrganization } from "../lookup";
import { nameKey } from "../validate";
import { pageByKeyset, type PageArgs, type PageResult } from "./pagination";

/** Read-side queries behind the GraphQL lists; every one is confined to what the actor may see. */

export async function listOrganizations(em: EntityManager, actor: Actor, args: PageArgs): Promise<PageResult<Organization>> {
  const where: FilterQuery<Organization> = actor.organizationId ? { id: actor.organizationId } : {};
  return pageByKeyset(em, Organization, where, args);
}

export async function listAccounts(em: EntityManager, actor: Actor, organizationId: string, args: PageArgs): Promise<PageResult<Account>> {
  await readVisibleOrganization(em, actor, organizationId);
  return pageByKeyset(em, Account, { organization: organizationId }, args);
}

export interface UserFilter {
  userName?: string | null;
  externalId?: string | null;
  active?: boolean | null;
  managedBy?: "SCIM" | "ADMIN" | null;
}

/** Users of an organization; userName matches case-insensitively through the indexed key column. */
export async function listUsers(em: EntityManager, actor: Actor, organizationId: string, filter: UserFilter, args: PageArgs): Promise<PageResult<User>> {
  await readVisibleOrganization(em, actor, organizationId);
  const where: FilterQuery<User> = { organization: organizationId };
  if (filter.userName != null) where.userNameKey = nameKey(filter.userName);
  if (filter.externalId != null) where.externalId = filter.externalId;
  if (filter.active != null) where.active = filter.active;
  if (filter.managedBy != null) where.managedBy = filter.managedBy;
  return pageByKeyset(em, User, where, args);
}

export interface GroupFilter {
  displayName?: string | null;
  externalId?: string | null;
}

export async function listGroups(em: EntityManager, actor: Actor, organizationId: string, filter: GroupFilter, args: PageArgs): Promise<PageResult<Group>> {
  await readVisibleOrganization(em, actor, organizationId);
  const where: FilterQuery<Group> = { organization: organizationId };
  if (filter.displayName != null) where.displayNameKey = nameKey(filter.displayName);
  if (filter.externalId != null) where.externalId = filter.externalId;
  return pageByKeyset(em, Group, where, args);
}

export async function listRoles(em: EntityManager, actor: Actor, organizationId: string, args: PageArgs): Promise<PageResult<Role>> {
  await readVisibleOrganization(em, actor, organizationId);
  return pageByKeyset(em, Role, { organization: organizationId }, args);
}

export interface RoleBindingFilter {
  roleId?: string | null;
  userId?: string | null;
  groupId?: string | null;
  accountId?: string | null;
}

export async function listRoleBindings(
  em: EntityManager, actor: Actor, organizationId: string, filter: RoleBindingFilter, args: PageArgs,
): Promise<PageResult<RoleBinding>> {
  await readVisibleOrganization(em, actor, organizationId);
  const where: FilterQuery<RoleBinding> = { organization: organizationId };
  if (filter.roleId) where.role = filter.roleId;
  if (filter.userId) where.subjectUser = filter.userId;
  if (filter.groupId) where.subjectGroup = filter.groupId;
  if (filter.accountId) where.account = filter.accountId;
  return pageByKeyset(em, RoleBinding, where, args);
}

export async function listRoleMappings(em: EntityManager, actor: Actor, organizationId: string, args: PageArgs): Promise<PageResult<RoleMapping>> {
  await readVisibleOrganization(em, actor, organizationId);
  return pageByKeyset(em, RoleMapping, { organization: organizationId }, args);
}

export async function listScimTokens(em: EntityManager, actor: Actor, organizationId: string, args: PageArgs): Promise<PageResult<ScimToken>> {
  await readVisibleOrganization(em, actor, organizationId);
  return pageByKeyset(em, ScimToken, { organization: organizationId }, args);
}

/** API keys the actor may see: its organization's, or every key for a global actor. */
export async function listApiKeys(em: EntityManager, actor: Actor, args: PageArgs): Promise<PageResult<ApiKey>> {
  const where: FilterQuery<ApiKey> = actor.organizationId ? { organization: actor.organizationId } : {};
  return pageByKeyset(em, ApiKey, where, args);
}

export interface AuditFilter {
  targetId?: string | null;
  type?: string | null;
}

/** Audit events of an organization, newest first is not needed for keyset: ids are time-ordered, oldest first. */
export async function listAuditEvents(
  em: EntityManager, actor: Actor, organizationId: string, filter: AuditFilter, args: PageArgs,
): Promise<PageResult<AuditEvent>> {
  await readVisibleOrganization(em, actor, organizationId);
  const where: FilterQuery<AuditEvent> = { organizationId };
  if (filter.targetId) where.targetId = filter.targetId;
  if (filter.type) where.type = filter.type;
  return pageByKeyset(em, AuditEvent, where, args);
}
