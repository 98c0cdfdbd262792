import type { EntityManager } from "@mikro-orm/core";
import { accessByAccount, EVERY_OTHER_ACCOUNT } from "../../access/access-map";
import type { EffectiveAccess, Grant, RoleFact } from "../../access/types";
import { Account } from "../../store/entities";
import type { Actor } from "../actor";
import { readVisibleOrganization } from "../lookup";
import type { UserIdentity } from "../ports/records";
import { storeOf } from "../ports/store";
import { loadAccessGraphs } from "./access-graphs";

/** Users read per page: 3 statements each (the page, its access facts, its group names). */
export const ACCESS_REVIEW_PAGE_SIZE = 500;

/** A GROUP grant with the names of its chain's groups, in the chain's order, for people to read. */
export type ReviewedGroupGrant = Extract<Grant, { kind: "GROUP" }> & { groupNames: string[] };
export type ReviewedGrant = Exclude<Grant, { kind: "GROUP" }> | ReviewedGroupGrant;

/** One user's role on one account, with every path that grants it. */
export interface AccessReviewRecord {
  user: UserIdentity;
  account: { id: string; name: string };
  role: RoleFact;
  grants: ReviewedGrant[];
}

export interface AccessReview {
  organizationId: string;
  /** The records, users by id, then accounts by id, then role key; read a page of users at a time as they are consumed. */
  records: AsyncGenerator<AccessReviewRecord>;
}

export interface AccessReviewOptions {
  /** Users per page; ACCESS_REVIEW_PAGE_SIZE unless a test asks for pages small enough to cross. */
  pageSize?: number;
}

/**
 * The whole effective access of an organization, for auditors: one record per active user ×
 * account × role (DESIGN.md "Effective access"), an organization-wide role on every account.
 * Authorization and the organization's accounts (read once) are settled before this resolves, so
 * a caller answers "not found" before it writes anything; the records then come as they are
 * pulled, so memory stays flat whatever the organization's size: per page of users, one statement
 * for the page, one for all their access facts (loadAccessGraphs) and one for the names of their
 * groups; each user resolved by accessByAccount (resolveEffectiveAccess, the rules themselves),
 * once per account its facts name and once for all the others. Inactive users resolve to nothing,
 * so they have no record.
 *
 * Consistency: each page is read by its own statements, not inside one transaction, so nothing
 * holds a snapshot (or, on SQLite, the writer) for the length of a download. Each record is what
 * the rules said when its page was read; a change made while an export runs shows in the pages
 * read after it. A user created meanwhile appears if its id is after the page being read (ids are
 * time-ordered, so usually), and one deleted meanwhile is left out if its page had not been read.
 * The caller stops reading by returning from the generator (a client that disconnects): no page
 * is read after that.
 */
export async function openAccessReview(em: EntityManager, actor: Actor, organizationId: string, options: AccessReviewOptions = {}): Promise<AccessReview> {
  await readVisibleOrganization(em, actor, organizationId);
  const accounts = (await em.find(Account, { organization: organizationId }, { orderBy: { id: "asc" } })).map((a) => ({ id: a.id, name: a.name }));
  return { organizationId, records: reviewRecords(em, organizationId, accounts, options.pageSize ?? ACCESS_REVIEW_PAGE_SIZE) };
}

async function* reviewRecords(
  em: EntityManager, organizationId: string, accounts: Array<{ id: string; name: string }>, pageSize: number,
): AsyncGenerator<AccessReviewRecord> {
  if (accounts.length === 0) return;
  const store = storeOf(em);
  let afterId: string | null = null;
  for (;;) {
    const users = await store.usersOfOrganizationAfter(em, organizationId, afterId, pageSize);
    if (users.length === 0) return;
    afterId = users[users.length - 1].id;
    const userIds = users.map((u) => u.id);
    // The account is a placeholder: accessByAccount resolves every account a user's facts name.
    const graphs = await loadAccessGraphs(em, userIds.map((userId) => ({ userId, accountId: EVERY_OTHER_ACCOUNT })));
    const groupNames = await groupNamesOf(em, userIds);
    for (const user of users) {
      // A user deleted between the two reads has no facts, and no access.
      if (!graphs.users.has(user.id)) continue;
      // Each entry made into records' roles once: most accounts share the EVERY_OTHER_ACCOUNT one.
      const byAccount = new Map<string, ReviewedRole[]>();
      for (const [key, access] of accessByAccount(graphs.subgraph({ userId: user.id, accountId: EVERY_OTHER_ACCOUNT }))) {
        byAccount.set(key, reviewedRoles(access, groupNames));
      }
      const everyOther = byAccount.get(EVERY_OTHER_ACCOUNT) as ReviewedRole[];
      for (const account of accounts) {
        for (const { role, grants } of byAccount.get(account.id) ?? everyOther) yield { user, account, role, grants };
      }
    }
    if (users.length < pageSize) return;
  }
}

/** Group id → display name, for every group the users are in (directly or nested): one statement. */
async function groupNamesOf(em: EntityManager, userIds: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const groups of (await storeOf(em).groupsOfUsers(em, userIds)).values()) {
    for (const group of groups) names.set(group.id, group.displayName);
  }
  return names;
}

type ReviewedRole = Pick<AccessReviewRecord, "role" | "grants">;

function reviewedRoles(access: EffectiveAccess, groupNames: Map<string, string>): ReviewedRole[] {
  return access.roles.map(({ role, grants }) => ({ role, grants: grants.map((grant) => reviewedGrant(grant, groupNames)).sort(byKindThenId) }));
}

function reviewedGrant(grant: Grant, groupNames: Map<string, string>): ReviewedGrant {
  if (grant.kind !== "GROUP") return grant;
  // A group deleted between the reads keeps its id as its name: the record still says which.
  return { ...grant, groupNames: grant.groupChain.map((id) => groupNames.get(id) ?? id) };
}

const KIND_ORDER: Record<Grant["kind"], number> = { DIRECT: 0, GROUP: 1, MAPPING: 2, DEFAULT: 3 };

/**
 * Grants in an order that does not depend on the order the database returned facts in, so two
 * exports of an unchanged directory are the same file (auditors compare them): by kind, then by
 * the binding's or mapping's id.
 */
function byKindThenId(a: ReviewedGrant, b: ReviewedGrant): number {
  const id = (g: ReviewedGrant) => (g.kind === "DIRECT" || g.kind === "GROUP" ? g.bindingId : g.kind === "MAPPING" ? g.mappingId : "");
  return KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
}
