import type { EntityManager, EntityName } from "@mikro-orm/core";
import { Group, Organization, User } from "../store/entities";
import type { UserRecord } from "./ports/records";
import { storeOf, type LockableRow } from "./ports/store";
import type { Actor } from "./actor";
import { NotFound } from "./errors";
import { assertIdpMaySee } from "./idp-policy";
import { assertOrgVisible } from "./tenancy";

interface OrgOwned {
  id: string;
  organization: { id: string };
}

export interface LoadOptions {
  /**
   * Lock the row until the transaction ends (DirectoryStore.lockForChange), for a command that
   * reads it, decides, and writes: on PostgreSQL two such commands would otherwise both read the
   * old row and one change would be lost. Locked first, then read, so the read sees the last
   * committed change. Only the row kinds of LockableRow.
   */
  forUpdate?: boolean;
}

/** Loads an org-owned row by id, or NOT_FOUND when it is missing or in an organization the actor cannot see. */
export async function findVisible<T extends OrgOwned>(
  em: EntityManager, entity: EntityName<T>, kind: string, id: string, actor: Actor, options: LoadOptions = {},
): Promise<T> {
  if (options.forUpdate) await storeOf(em).lockForChange(em, lockableRowOf(entity), id);
  const row = await em.findOne(entity, { id } as never);
  if (!row) throw NotFound.entity(kind, id);
  assertOrgVisible(actor, (row as T).organization.id, kind, id);
  return row as T;
}

function lockableRowOf(entity: unknown): LockableRow {
  if (entity === User) return "user";
  if (entity === Group) return "group";
  throw new Error(`${String(entity)} rows are not locked for change`);
}

/** A user the actor may see: in its organization, and not hidden from an identity provider (idp-policy). */
export async function findVisibleUser(em: EntityManager, id: string, actor: Actor, options: LoadOptions = {}): Promise<User> {
  const user = await findVisible(em, User, "user", id, actor, options);
  assertIdpMaySee(actor, user);
  return user;
}

/** The organization with this id, or NOT_FOUND when it is missing or not the actor's. */
export async function findVisibleOrganization(em: EntityManager, actor: Actor, id: string, options: LoadOptions = {}): Promise<Organization> {
  assertOrgVisible(actor, id, "organization", id);
  if (options.forUpdate) await storeOf(em).lockForChange(em, "organization", id);
  const org = await em.findOne(Organization, { id });
  if (!org) throw NotFound.entity("organization", id);
  return org;
}

/**
 * Like findVisibleOrganization, for reads outside a command: one prepared statement on a read
 * connection, mapped to a managed entity without the query builder (every SCIM create reads its
 * organization's settings).
 */
export async function readVisibleOrganization(em: EntityManager, actor: Actor, id: string): Promise<Organization> {
  assertOrgVisible(actor, id, "organization", id);
  // As em.findOne would, an entity already loaded is used; and a SCIM request's authentication
  // read its organization's row with the token this request's moment ago (authenticate.ts), which
  // findOrganization then maps without a statement.
  const org = em.getUnitOfWork().getById<Organization>(Organization.name, id) ?? (await storeOf(em).findOrganization(em, id));
  if (!org) throw NotFound.entity("organization", id);
  return org;
}

/**
 * Like findVisible for a group, for reads outside a command: one statement, mapped to a managed
 * entity without the query builder (GET /Groups/{id} is on every IdP's hot path).
 */
export async function readVisibleGroup(em: EntityManager, id: string, actor: Actor): Promise<Group> {
  const group = await storeOf(em).findGroup(em, id);
  if (!group) throw NotFound.entity("group", id);
  assertOrgVisible(actor, group.organization.id, "group", id);
  return group;
}

/**
 * A user as a plain record (see UserRecord), with its groups when asked, in one statement on a
 * read connection: what GET /Users/{id} answers with.
 */
export async function readVisibleUser(em: EntityManager, id: string, actor: Actor, options: { withGroups: boolean }): Promise<UserRecord> {
  const user = await storeOf(em).findUserRecord(em, id, options);
  if (!user) throw NotFound.entity("user", id);
  assertOrgVisible(actor, user.organizationId, "user", id);
  assertIdpMaySee(actor, user);
  return user;
}
