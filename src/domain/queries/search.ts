import type { EntityManager } from "@mikro-orm/core";
import { Group, User } from "../../store/entities";
import { runSql, type Row } from "../../store/raw-sql";
import { groupsOfUserColumn } from "../../store/memberships";
import { userRecordFromRow, type UserRecord } from "../../store/user-records";
import { databaseKindOf } from "../../store/sql/database-kind";
import { FILTER_SQL_DIALECTS, renderFilter, renderSort, type FilterResource } from "../../store/sql/filter";
import type { Actor } from "../actor";
import { assertIdpMayManageGroups } from "../commands/group-rules";
import { actsForIdp } from "../actor";
import { findVisibleOrganization } from "../lookup";
import type { FilterPredicate, SortKey } from "../ports/filter";

export interface SearchRequest {
  organizationId: string;
  /** Which resources match (e.g. a compiled SCIM filter), or null for all. */
  filter: FilterPredicate | null;
  /** What to sort by, or null for creation order. */
  sort: SortKey | null;
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

/**
 * Users of one organization matching a filter predicate: one page query (and a COUNT when
 * needed). `withGroups` reads each user's groups in the same statement.
 */
export async function searchUsers(
  em: EntityManager, actor: Actor, request: SearchRequest, options: { withGroups: boolean },
): Promise<SearchResult<UserRecord>> {
  await assertOrganizationExists(em, actor, request.organizationId);
  const columns = options.withGroups ? `${SEARCH_ALIAS}.*, ${groupsOfUserColumn(SEARCH_ALIAS)}` : `${SEARCH_ALIAS}.*`;
  // Users protected from SCIM do not exist for an identity provider (domain/idp-policy.ts).
  const visible = actsForIdp(actor) ? `not ${SEARCH_ALIAS}.protected_from_scim` : null;
  return search(em, User, "User", request, columns, (row) => userRecordFromRow(em, row), visible);
}

/** Groups of one organization matching a filter predicate; refused to an IdP when group sync is off. */
export async function searchGroups(em: EntityManager, actor: Actor, request: SearchRequest): Promise<SearchResult<Group>> {
  await assertOrganizationExists(em, actor, request.organizationId);
  if (actsForIdp(actor)) await assertIdpMayManageGroups(em, request.organizationId);
  return search(em, Group, "Group", request, `${SEARCH_ALIAS}.*`, (row) => em.map(Group, row));
}

/**
 * An org-scoped credential's own organization exists (the credential row references it), so
 * the lookups IdPs make on every request skip that query; other callers get the full check.
 */
async function assertOrganizationExists(em: EntityManager, actor: Actor, organizationId: string): Promise<void> {
  if (actor.organizationId !== organizationId) await findVisibleOrganization(em, actor, organizationId);
}

/**
 * One hand-written statement on a read connection: the hottest read an IdP makes
 * (`userName eq "…"`) skips the query builder and costs a single index search.
 */
async function search<T>(
  em: EntityManager, entity: typeof User | typeof Group, resource: FilterResource, request: SearchRequest, columns: string, fromRow: (row: Row) => T,
  visible: string | null = null,
): Promise<SearchResult<T>> {
  const table = em.getMetadata().get(entity.name).tableName;
  const dialect = FILTER_SQL_DIALECTS[databaseKindOf(em)];
  const where = request.filter && renderFilter(request.filter, resource, SEARCH_ALIAS, dialect);
  const orderBy = request.sort && renderSort(request.sort, resource, SEARCH_ALIAS, dialect);
  const from = `from "${table}" ${SEARCH_ALIAS} where ${SEARCH_ALIAS}.organization_id = ?${visible ? ` and ${visible}` : ""}${where ? ` and (${where.sql})` : ""}`;
  const params = [request.organizationId, ...(where?.params ?? [])];
  const count = async () => Number((await runSql(em, `select count(*) as n ${from}`, params))[0].n);
  if (request.limit === 0) return { total: await count(), items: [] };
  const direction = request.descending ? "desc" : "asc";
  const order = orderBy ? `${orderBy} ${direction}, ${SEARCH_ALIAS}.id asc` : `${SEARCH_ALIAS}.id ${direction}`;
  const rows = await runSql(em, `select ${columns} ${from} order by ${order} limit ? offset ?`, [...params, request.limit, request.offset]);
  const items = rows.map(fromRow);
  // A first page that is not full already tells the total: lookups cost one query, not two.
  const total = request.offset === 0 && items.length < request.limit ? items.length : await count();
  return { total, items };
}
