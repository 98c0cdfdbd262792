import type { EntityManager } from "@mikro-orm/core";
import type { GroupOfUser, ListedMember, MemberOfGroup, MemberPageRequest, MemberRow } from "../ports/records";
import { actsForIdp, type Actor } from "../actor";
import { storeOf } from "../ports/store";

/**
 * Membership views for rendering and GraphQL's loaders: a user's groups (direct and through
 * nesting), a group's members and member pages, for many users or groups in one query each.
 * Callers pass ids they already may see.
 */
export type { GroupOfUser, ListedMember, MemberOfGroup, MemberPageRequest, MemberRow };

export const groupsOfUsers = (em: EntityManager, userIds: string[]) => storeOf(em).groupsOfUsers(em, userIds);
export const directGroupIdsOfUsers = (em: EntityManager, userIds: string[]) => storeOf(em).directGroupIdsOfUsers(em, userIds);
export const transitiveGroupIdsOfUsers = (em: EntityManager, userIds: string[]) => storeOf(em).transitiveGroupIdsOfUsers(em, userIds);
export const parentGroupIdsOfGroups = (em: EntityManager, groupIds: string[]) => storeOf(em).parentGroupIdsOfGroups(em, groupIds);
export const memberCountsOfGroups = (em: EntityManager, groupIds: string[]) => storeOf(em).memberCountsOfGroups(em, groupIds);
export const memberPagesOfGroups = (em: EntityManager, requests: MemberPageRequest[]) => storeOf(em).memberPagesOfGroups(em, requests);

/**
 * A group's member list as an answer shows it (SCIM's `members`): the first members, read now,
 * and when there are more, the rest as pages read while the answer is written. A 50,000-member
 * group is then never in memory at once, only the page being written and the one read ahead.
 */
export interface MemberList {
  first: ListedMember[];
  /** The pages after `first`, each read when asked for; null when `first` is the whole list. */
  rest: (() => AsyncIterable<ListedMember[]>) | null;
}

export interface MemberListOptions {
  /** Members per statement after the first page (and the first page of a group read alone). */
  pageSize: number;
  /** Members read at once across a list of groups: each group's first page is its share. */
  firstPagesBudget: number;
}

/**
 * 1,000 members a page: about 170 KB of SCIM JSON and 1–2 MB of objects while it is written, and
 * a 50,000-member group in 50 index-range statements (5,000 a page measured slower, 500 no
 * faster). A group of up to 1,000 members is read in one statement and answered whole, as before
 * streaming; a longer list streams, costing nothing measurable on SQLite and a quarter more time
 * on PostgreSQL for a 50,000-member GET (a round trip per page, half hidden by reading ahead).
 * 10,000 members across a list: a page of 100 groups reads the first 100 of each in one
 * statement; only groups with more continue page by page.
 */
export const MEMBER_LIST_PAGING: MemberListOptions = { pageSize: 1_000, firstPagesBudget: 10_000 };

/**
 * The member lists of many groups: every group's first page in one statement per 100 groups,
 * the rest on demand (memberPagesAfter).
 */
export async function memberListsOfGroups(
  em: EntityManager, actor: Actor, groupIds: string[], options: MemberListOptions = MEMBER_LIST_PAGING,
): Promise<MemberList[]> {
  if (groupIds.length === 0) return [];
  const firstLimit = Math.max(1, Math.min(options.pageSize, Math.floor(options.firstPagesBudget / groupIds.length)));
  // One more than the share tells whether there is more without a second statement.
  const firsts = await storeOf(em).memberListPages(em, groupIds.map((groupId) => ({ groupId, afterId: null, limit: firstLimit + 1 })));
  // Users protected from SCIM are in no member list an identity provider reads (idp-policy.ts).
  // They are dropped from each page once it is read, so paging still follows every membership.
  const visible = actsForIdp(actor) ? (page: ListedMember[]) => page.filter((member) => !member.protectedFromScim) : (page: ListedMember[]) => page;
  return firsts.map((first, index) => ({
    first: visible(first),
    rest: first.length <= firstLimit ? null : () => mapPages(memberPagesAfter(em, groupIds[index], first[first.length - 1].membershipId, options.pageSize), visible),
  }));
}

async function* mapPages(pages: AsyncIterable<ListedMember[]>, map: (page: ListedMember[]) => ListedMember[]): AsyncGenerator<ListedMember[]> {
  for await (const page of pages) yield map(page);
}

/**
 * A group's members after membership `afterId`, a keyset page at a time, each its own statement
 * (no transaction or connection is held between pages, so a slow reader holds nothing). The list
 * is therefore not one snapshot: a member that stays in the group while it is read appears exactly
 * once (pages follow the membership id, never overlap and never pass over a row that exists); one
 * added meanwhile appears if its page is read after it was added (new memberships sort last, being
 * time-ordered); one removed meanwhile appears if its page was read before; one removed and added
 * back meanwhile (a new membership) can appear twice. A reader that needs the list as of one
 * version reads it again when the group's version changed (each membership change bumps it).
 *
 * The next page is read while the caller uses this one (one page ahead, never more): on
 * PostgreSQL a page's statement is a round trip that would otherwise add up, 50 times for a
 * 50,000-member group.
 */
export async function* memberPagesAfter(em: EntityManager, groupId: string, afterId: string, pageSize: number): AsyncGenerator<ListedMember[]> {
  const read = async (after: string) => (await storeOf(em).memberListPages(em, [{ groupId, afterId: after, limit: pageSize }]))[0];
  let next: Promise<ListedMember[]> | null = read(afterId);
  try {
    while (next) {
      const page: ListedMember[] = await next;
      next = page.length === pageSize ? read(page[page.length - 1].membershipId) : null;
      if (page.length > 0) yield page;
    }
  } finally {
    // Stopped early (the client went away): the page read ahead is dropped, and so is its failure.
    next?.catch(() => undefined);
  }
}
