import type { EntityManager } from "@mikro-orm/core";

/**
 * Who holds a permission on one account, as the store can find it in SQL: the domain works out
 * from the organization's roles and mappings (few rows, resolved by the access rules) which grants
 * would carry the permission; the store finds their holders among the organization's users.
 */
export interface GrantHolderQuery {
  organizationId: string;
  accountId: string;
  /** Roles carrying the permission: bindings of them, on a user or on a group it is in at any depth, scoped to the organization or the account. */
  roleIds: string[];
  /** Folded IdP role values of the mappings in scope (organization or account) to one of those roles. */
  mappedKeys: string[];
  /**
   * Set when the organization's default role carries the permission: it applies to every user with
   * none of these folded IdP role values (those of every mapping in scope, whatever its role).
   */
  defaultRole: { unlessKeys: string[] } | null;
}

/** Some of an organization's accounts, picked from an access map: these, or every account but those. */
export interface AccountPick {
  organizationId: string;
  include: string[];
  /** When true, every account not in `exclude` is picked too. */
  everyOther: boolean;
  exclude: string[];
}

/** A keyset page: ids after `after` (null: from the start), in id order, at most `limit`. */
export interface KeysetPage {
  after: string | null;
  limit: number;
}

/** The store's answers to the access questions that list (whoCan, whereCan, accessMap). */
export interface AccessQuestionStore {
  /** One page of the active users holding any of the grants, by id (two statements at most: an indexed count picks how the page is read). */
  grantHolderPage(em: EntityManager, query: GrantHolderQuery, page: KeysetPage): Promise<string[]>;
  /** How many active users hold any of the grants (one statement). */
  countGrantHolders(em: EntityManager, query: GrantHolderQuery): Promise<number>;
  /** One page of the picked accounts, by id (one statement). */
  accountPage(em: EntityManager, pick: AccountPick, page: KeysetPage): Promise<string[]>;
  /** How many accounts the pick covers (one statement). */
  countAccounts(em: EntityManager, pick: AccountPick): Promise<number>;
}
