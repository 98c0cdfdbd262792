import { raw, type EntityManager } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { Group, User } from "../../store/entities";
import type { Actor } from "../actor";
import { assertIdpMayManageGroups } from "../commands/group-rules";
import { actsForIdp } from "../actor";
import { findVisibleOrganization } from "../lookup";

/** A predicate compiled by a surface (e.g. a SCIM filter), over the main table aliased `e0`. */
export interface CompiledPredicate {
  sql: string;
  params: unknown[];
}

export interface SearchRequest {
  organizationId: string;
  where: CompiledPredicate | null;
  /** An ORDER BY expression over `e0`, or null for creation order. */
  orderBy: string | null;
  descending: boolean;
  /** Zero-based offset and page size; a size of 0 asks for the count only. */
  offset: number;
  limit: number;
}

export interface SearchResult<T> {
  total: number;
  items: T[];
}

export const SEARCH_ALIAS = "e0";

/** Users of one organization matching a compiled predicate: one COUNT and one page query. */
export async function searchUsers(em: EntityManager, actor: Actor, request: SearchRequest): Promise<SearchResult<User>> {
  await findVisibleOrganization(em, actor, request.organizationId);
  return search(em, User, request);
}

/** Groups of one organization matching a compiled predicate; refused to an IdP when group sync is off. */
export async function searchGroups(em: EntityManager, actor: Actor, request: SearchRequest): Promise<SearchResult<Group>> {
  await findVisibleOrganization(em, actor, request.organizationId);
  if (actsForIdp(actor)) await assertIdpMayManageGroups(em, request.organizationId);
  return search(em, Group, request);
}

async function search<T extends User | Group>(em: EntityManager, entity: new () => T, request: SearchRequest): Promise<SearchResult<T>> {
  const sqlEm = em as SqlEntityManager;
  const base = () => {
    const qb = sqlEm.createQueryBuilder(entity as never, SEARCH_ALIAS).where({ organization: request.organizationId });
    if (request.where) qb.andWhere(request.where.sql, request.where.params as never[]);
    return qb;
  };
  if (request.limit === 0) return { total: await base().getCount(), items: [] };
  const page = base();
  const direction = request.descending ? "desc" : "asc";
  if (request.orderBy) page.orderBy({ [raw(request.orderBy)]: direction, id: "asc" } as never);
  else page.orderBy({ id: direction } as never);
  const items = (await page.limit(request.limit).offset(request.offset).getResultList()) as T[];
  // A first page that is not full already tells the total: the lookups IdPs make all the time
  // (`userName eq "…"`) cost one query, not two.
  const total = request.offset === 0 && items.length < request.limit ? items.length : await base().getCount();
  return { total, items };
}
