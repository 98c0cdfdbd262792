import type { EntityManager, EntityName } from "@mikro-orm/core";
import { Organization, User } from "../store/entities";
import { runSql } from "../store/raw-sql";
import { groupsOfUserColumn } from "../store/memberships";
import { userRecordFromRow, type UserRecord } from "../store/user-records";
import type { Actor } from "./actor";
import { NotFound } from "./errors";
import { assertIdpMaySee } from "./idp-policy";
import { assertOrgVisible } from "./tenancy";

interface OrgOwned {
  id: string;
  organization: { id: string };
}

/** Loads an org-owned row by id, or NOT_FOUND when it is missing or in an organization the actor cannot see. */
export async function findVisible<T extends OrgOwned>(
  em: EntityManager, entity: EntityName<T>, kind: string, id: string, actor: Actor,
): Promise<T> {
  const row = await em.findOne(entity, { id } as never);
  if (!row) throw NotFound.entity(kind, id);
  assertOrgVisible(actor, (row as T).organization.id, kind, id);
  return row as T;
}

/** A user the actor may see: in its organization, and not hidden from an identity provider (idp-policy). */
export async function findVisibleUser(em: EntityManager, id: string, actor: Actor): Promise<User> {
  const user = await findVisible(em, User, "user", id, actor);
  assertIdpMaySee(actor, user);
  return user;
}

/** The organization with this id, or NOT_FOUND when it is missing or not the actor's. */
export async function findVisibleOrganization(em: EntityManager, actor: Actor, id: string): Promise<Organization> {
  assertOrgVisible(actor, id, "organization", id);
  const org = await em.findOne(Organization, { id });
  if (!org) throw NotFound.entity("organization", id);
  return org;
}

/**
 * Like findVisible, for reads outside a command: one statement on a read connection, mapped to
 * a managed entity without the query builder (GET /Users/{id} is on every IdP's hot path).
 */
export async function readVisible<T extends OrgOwned>(
  em: EntityManager, entity: new () => T, kind: string, id: string, actor: Actor,
): Promise<T> {
  const table = em.getMetadata().get(entity.name).tableName;
  const [row] = await runSql(em, `select * from "${table}" where id = ?`, [id]);
  if (!row) throw NotFound.entity(kind, id);
  assertOrgVisible(actor, row.organization_id as string, kind, id);
  return em.map(entity, row);
}

/**
 * A user as a plain record (see UserRecord), with its groups when asked, in one statement on a
 * read connection: what GET /Users/{id} answers with.
 */
export async function readVisibleUser(em: EntityManager, id: string, actor: Actor, options: { withGroups: boolean }): Promise<UserRecord> {
  const columns = options.withGroups ? `u.*, ${groupsOfUserColumn("u")}` : "u.*";
  const [row] = await runSql(em, `select ${columns} from "user" u where u.id = ?`, [id]);
  if (!row) throw NotFound.entity("user", id);
  assertOrgVisible(actor, row.organization_id as string, "user", id);
  const user = userRecordFromRow(em, row);
  assertIdpMaySee(actor, user);
  return user;
}
