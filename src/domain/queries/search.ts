import type { EntityManager } from "@mikro-orm/core";
import type { Group } from "../../store/entities";
import type { Actor } from "../actor";
import { assertIdpMayManageGroups } from "../commands/group-rules";
import { actsForIdp } from "../actor";
import { readVisibleOrganization } from "../lookup";
import type { UserRecord } from "../ports/records";
import { storeOf, type SearchPage, type SearchQuery } from "../ports/store";

/** A search of one organization's users or groups (e.g. a SCIM list request with its filter compiled). */
export type SearchRequest = SearchQuery;
export type SearchResult<T> = SearchPage<T>;

/**
 * Users of one organization matching a filter predicate: one page query (and a COUNT when
 * needed). `withGroups` reads each user's groups in the same statement. Users protected from SCIM
 * do not exist for an identity provider (domain/idp-policy.ts).
 */
export async function searchUsers(
  em: EntityManager, actor: Actor, request: SearchRequest, options: { withGroups: boolean },
): Promise<SearchResult<UserRecord>> {
  await assertOrganizationExists(em, actor, request.organizationId);
  return storeOf(em).searchUsers(em, request, { withGroups: options.withGroups, hideProtected: actsForIdp(actor) });
}

/** Groups of one organization matching a filter predicate; refused to an IdP when group sync is off. */
export async function searchGroups(em: EntityManager, actor: Actor, request: SearchRequest): Promise<SearchResult<Group>> {
  await assertOrganizationExists(em, actor, request.organizationId);
  if (actsForIdp(actor)) await assertIdpMayManageGroups(em, request.organizationId);
  return storeOf(em).searchGroups(em, request, { hideProtected: actsForIdp(actor) });
}

/**
 * An org-scoped credential's own organization exists (the credential row references it), so
 * the lookups IdPs make on every request skip that query; other callers get the full check.
 */
async function assertOrganizationExists(em: EntityManager, actor: Actor, organizationId: string): Promise<void> {
  if (actor.organizationId !== organizationId) await readVisibleOrganization(em, actor, organizationId);
}
