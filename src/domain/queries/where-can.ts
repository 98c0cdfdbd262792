import type { EntityManager } from "@mikro-orm/core";
import { accessMapOf, EVERY_OTHER_ACCOUNT, type AccessMap } from "../../access/access-map";
import { permissionCovers, resolveEffectiveAccess } from "../../access/resolve";
import type { AccessSubgraph, EffectiveAccess, RoleFact } from "../../access/types";
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
 * one statement; the access rules give the user's roles on each account its facts name and on all
 * the others at once (access/access-map.ts accessMapOf); the store then pages through the
 * organization's accounts picking those (DirectoryStore.accessQuestions.accountPage), so 1,000
 * accounts cost no more statements than 10. Only the page's accounts are resolved with grants.
 */
export async function whereCan(
  em: EntityManager, actor: Actor, question: { userId: string; permission: string }, args: PageArgs,
): Promise<PageResult<AccountAccess>> {
  if (question.permission.trim() === "") throw new Invalid("permission must not be empty");
  const carries = (role: RoleFact) => role.permissions.some((granted) => permissionCovers(granted, question.permission));
  const user = await userAccess(em, actor, question.userId);
  const page = await accountPages(em, user, (roles) => roles.some(carries))(args);
  // Only the roles that carry the permission: the answer says why the user can, not all it has.
  for (const node of page.nodes) node.roles = node.roles.filter((granted) => carries(granted.role));
  return page;
}

/** The user's whole access map: what holds everywhere, and a page of the accounts it has any role on. */
export async function accessMap(em: EntityManager, actor: Actor, userId: string): Promise<UserAccessMap> {
  const user = await userAccess(em, actor, userId);
  return {
    userId,
    everyAccount: resolveEffectiveAccess({ ...user.graph, accountId: EVERY_OTHER_ACCOUNT }),
    accounts: accountPages(em, user, (roles) => roles.length > 0),
  };
}

interface UserAccess {
  organizationId: string;
  graph: Omit<AccessSubgraph, "accountId">;
  /** The user's roles per account its facts name, and under EVERY_OTHER_ACCOUNT on the others. */
  map: AccessMap;
}

/** The user's facts (one statement), checked visible to the actor, and its access map. */
async function userAccess(em: EntityManager, actor: Actor, userId: string): Promise<UserAccess> {
  const graphs = await loadAccessGraphs(em, [{ userId, accountId: EVERY_OTHER_ACCOUNT }]);
  const user = graphs.users.get(userId);
  if (!user) throw NotFound.entity("user", userId);
  assertOrgVisible(actor, user.organizationId, "user", userId);
  const graph = graphs.subgraph({ userId, accountId: EVERY_OTHER_ACCOUNT });
  return { organizationId: user.organizationId, graph, map: accessMapOf(graph) };
}

/**
 * Pages of the organization's accounts whose roles pass `wanted`: the named accounts that pass,
 * and every other account when the roles that hold everywhere pass — save the named ones that
 * do not (a mapping scoped to an account can keep the default role off there). Each account of a
 * page is resolved with its grants.
 */
function accountPages(
  em: EntityManager, user: UserAccess, wanted: (roles: RoleFact[]) => boolean,
): (args: PageArgs) => Promise<PageResult<AccountAccess>> {
  const named = [...user.map.keys()].filter((id) => id !== EVERY_OTHER_ACCOUNT);
  const pick: AccountPick = {
    organizationId: user.organizationId,
    include: named.filter((id) => wanted(user.map.get(id) as RoleFact[])),
    everyOther: wanted(user.map.get(EVERY_OTHER_ACCOUNT) as RoleFact[]),
    exclude: named.filter((id) => !wanted(user.map.get(id) as RoleFact[])),
  };
  const store = storeOf(em).accessQuestions;
  return async (args) => {
    const size = pageSize(args.first);
    const after = args.after ? decodeCursor(args.after) : null;
    const ids = size === 0 ? [] : await store.accountPage(em, pick, { after, limit: size + 1 });
    return {
      nodes: ids.slice(0, size).map((accountId) => ({ ...resolveEffectiveAccess({ ...user.graph, accountId }), id: accountId })),
      hasNextPage: ids.length > size,
      hasPreviousPage: after !== null,
      cursorOf: (node) => encodeCursor(node.id),
      totalCount: () => store.countAccounts(em, pick),
    };
  };
}
