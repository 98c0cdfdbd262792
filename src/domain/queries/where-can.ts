import type { EntityManager } from "@mikro-orm/core";
import { accessByAccount, EVERY_OTHER_ACCOUNT } from "../../access/access-map";
import { hasPermission, permissionCovers } from "../../access/resolve";
import type { EffectiveAccess } from "../../access/types";
import type { Actor } from "../actor";
import { Invalid, NotFound } from "../errors";
import type { AccountPick } from "../ports/access-questions";
import { storeOf } from "../ports/store";
import { assertOrgVisible } from "../tenancy";
import { loadAccessGraphs } from "./access-graphs";
import { decodeCursor, encodeCursor, pageSize, type PageArgs, type PageResult } from "./pagination";

/** A user's effective access on one account (its roles with their grants, and their permissions). */
export interface AccountAccess extends EffectiveAccess {
  /** The account's id, as pages key their nodes. */
  id: string;
}

/** A user's whole access map: what holds on every account, and the accounts on which it has any role. */
export interface UserAccessMap {
  userId: string;
  /** The access on every account no binding or mapping of the user names: what organization-wide facts grant. */
  everyAccount: EffectiveAccess;
  /** The accounts on which the user has at least one role, a page at a time. */
  accounts(args: PageArgs): Promise<PageResult<AccountAccess>>;
}

/**
 * Every account on which the user has the permission (SpiceDB's LookupResources), a page at a
 * time, each with the roles that carry it and how they are granted. The user's facts are read in
 * one statement and resolved by the access rules for each account they name and for all the
 * others at once (access/access-map.ts accessByAccount); the store then pages through the
 * organization's accounts picking those (DirectoryStore.accessQuestions.accountPage), so 1,000
 * accounts cost no more statements than 10.
 */
export async function whereCan(
  em: EntityManager, actor: Actor, question: { userId: string; permission: string }, args: PageArgs,
): Promise<PageResult<AccountAccess>> {
  if (question.permission.trim() === "") throw new Invalid("permission must not be empty");
  const { organizationId, entries } = await userAccessEntries(em, actor, question.userId);
  const pages = accountPages(em, organizationId, entries, (access) => hasPermission(access, question.permission));
  const page = await pages(args);
  // Only the roles that carry the permission: the answer says why the user can, not all it has.
  for (const node of page.nodes) {
    node.roles = node.roles.filter((granted) => granted.role.permissions.some((p) => permissionCovers(p, question.permission)));
  }
  return page;
}

/** The user's whole access map: what holds everywhere, and a page of the accounts it has any role on. */
export async function accessMap(em: EntityManager, actor: Actor, userId: string): Promise<UserAccessMap> {
  const { organizationId, entries } = await userAccessEntries(em, actor, userId);
  return {
    userId,
    everyAccount: entries.get(EVERY_OTHER_ACCOUNT) as EffectiveAccess,
    accounts: accountPages(em, organizationId, entries, (access) => access.roles.length > 0),
  };
}

/** The user's access per account its facts name and on every other account (one statement), checked visible to the actor. */
async function userAccessEntries(em: EntityManager, actor: Actor, userId: string): Promise<{ organizationId: string; entries: Map<string, EffectiveAccess> }> {
  const graphs = await loadAccessGraphs(em, [{ userId, accountId: EVERY_OTHER_ACCOUNT }]);
  const user = graphs.users.get(userId);
  if (!user) throw NotFound.entity("user", userId);
  assertOrgVisible(actor, user.organizationId, "user", userId);
  return { organizationId: user.organizationId, entries: accessByAccount(graphs.subgraph({ userId, accountId: EVERY_OTHER_ACCOUNT })) };
}

/**
 * Pages of the organization's accounts whose access passes `wanted`: the named accounts that pass,
 * and every other account when the access that holds everywhere passes — save the named ones that
 * do not (a mapping scoped to an account can keep the default role off there).
 */
function accountPages(
  em: EntityManager, organizationId: string, entries: Map<string, EffectiveAccess>, wanted: (access: EffectiveAccess) => boolean,
): (args: PageArgs) => Promise<PageResult<AccountAccess>> {
  const everywhere = entries.get(EVERY_OTHER_ACCOUNT) as EffectiveAccess;
  const named = [...entries.keys()].filter((id) => id !== EVERY_OTHER_ACCOUNT);
  const pick: AccountPick = {
    organizationId,
    include: named.filter((id) => wanted(entries.get(id) as EffectiveAccess)),
    everyOther: wanted(everywhere),
    exclude: named.filter((id) => !wanted(entries.get(id) as EffectiveAccess)),
  };
  const store = storeOf(em).accessQuestions;
  return async (args) => {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after) : null;
    const ids = size === 0 ? [] : await store.accountPage(em, pick, { after, limit: size + 1 });
    return {
      nodes: ids.slice(0, size).map((accountId) => ({ ...(entries.get(accountId) ?? everywhere), accountId, id: accountId })),
      hasNextPage: ids.length > size,
      hasPreviousPage: after !== null,
      cursorOf: (node) => encodeCursor(node.id),
      totalCount: () => store.countAccounts(em, pick),
    };
  };
}
