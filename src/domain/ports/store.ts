import type { EntityManager, UniqueConstraintViolationException } from "@mikro-orm/core";
import type { AuditEvent, Group, Organization } from "../../store/entities";
import type { AccessQuestionStore } from "./access-questions";
import type { EventStore } from "./events";
import type { FilterPredicate, SortKey } from "./filter";
import type { WhyNotFacts, WhyNotFactsQuery } from "./why-not";
import type {
  AccessFacts, ApiKeyRecord, GroupOfUser, ListedMember, MemberFacts, MemberIds, MemberPageRequest, MemberRow, MembershipRow, ScimTokenRecord,
  UserIdentity, UserRecord,
} from "./records";

/**
 * What the domain needs from storage beyond MikroORM's unit of work: one method per query or
 * write it makes by hand, because the query builder would cost more than the query (the hot
 * reads IdPs and apps make) or cannot say it (recursive group walks, set-based membership deltas).
 * store/sqlite and store/postgres implement it, each in its own SQL; nothing here names a table.
 *
 * Every method takes the request's EntityManager: inside a command's transaction the statement
 * runs on that transaction's connection (it must see the command's own writes); outside, on
 * whatever connection the store reads from.
 */
export interface DirectoryStore {
  readonly database: "sqlite" | "postgres";
  /** The event feed's and the webhook dispatch's statements. */
  readonly events: EventStore;
  /** The statements that list who holds access and where (whoCan, whereCan, accessMap). */
  readonly accessQuestions: AccessQuestionStore;

  // Users and groups, as answers
  /** A user by id (any organization: the caller checks visibility), with its groups when asked. */
  findUserRecord(em: EntityManager, id: string, options: { withGroups: boolean }): Promise<UserRecord | null>;
  /**
   * One page of an organization's users matching a filter predicate, and how many match in all:
   * one statement for the page (with each user's groups when asked), and a COUNT only when the page
   * does not already tell the total. `hideProtected` leaves out users protected from SCIM.
   */
  searchUsers(em: EntityManager, query: SearchQuery, options: { withGroups: boolean; hideProtected: boolean }): Promise<SearchPage<UserRecord>>;
  /** The same for groups, as managed entities. */
  /** `hideProtected`: users protected from SCIM are no group's members in the filter. */
  searchGroups(em: EntityManager, query: SearchQuery, options: { hideProtected: boolean }): Promise<SearchPage<Group>>;
  /** A group by id (any organization: the caller checks visibility), as a managed entity. */
  findGroup(em: EntityManager, id: string): Promise<Group | null>;
  /**
   * An organization by id, as a managed entity (the caller checks visibility); the one read with
   * this request's SCIM token costs no statement.
   */
  findOrganization(em: EntityManager, id: string): Promise<Organization | null>;

  // Memberships
  /** Inserts the memberships that do not exist yet (one statement per chunk); returns those really added. */
  insertMemberships(em: EntityManager, groupId: string, members: MemberIds): Promise<MemberIds>;
  /** Deletes exactly these memberships of one group; returns those really removed. */
  deleteMemberships(em: EntityManager, groupId: string, members: MemberIds): Promise<MemberIds>;
  /** Inserts memberships of any groups (one statement per chunk), skipping those that exist; returns those really added. */
  insertMembershipRows(em: EntityManager, rows: MembershipRow[]): Promise<MemberIds>;
  /** Deletes exactly these memberships, of any groups (one statement per member kind and chunk). */
  deleteMembershipRows(em: EntityManager, rows: MembershipRow[]): Promise<void>;
  /** Which memberships of these groups have one of these members (one statement, by the unique indexes). */
  existingMemberships(em: EntityManager, groupIds: string[], memberIds: string[]): Promise<MembershipRow[]>;
  /** Each id that names a user or a group, with its organization (one statement). */
  memberFacts(em: EntityManager, ids: string[]): Promise<Map<string, MemberFacts>>;
  /** Every direct member id of one group, by kind. */
  memberIdsOfGroup(em: EntityManager, groupId: string): Promise<MemberIds>;
  /** The group's direct user members that are protected from SCIM. */
  protectedUserMembers(em: EntityManager, groupId: string): Promise<string[]>;
  /** The groups a group is inside, directly or through nesting (one recursive statement). */
  ancestorGroupIds(em: EntityManager, groupId: string): Promise<Set<string>>;
  /** Every user in these groups, directly or through groups nested in them (one recursive statement). */
  userMembersOfGroups(em: EntityManager, groupIds: string[]): Promise<string[]>;
  /** Every user id of an organization (one indexed statement). */
  userIdsOfOrganization(em: EntityManager, organizationId: string): Promise<string[]>;
  /** One keyset page of an organization's users (id and userName), by id, after `afterId` (null: from the first); one statement. */
  usersOfOrganizationAfter(em: EntityManager, organizationId: string, afterId: string | null, limit: number): Promise<UserIdentity[]>;
  /** Whether a role is bound to one of these groups or to a group containing them, at any depth (one recursive statement). */
  rolesBoundOnOrAbove(em: EntityManager, groupIds: string[]): Promise<boolean>;
  /** For each user, the groups it is directly in. */
  directGroupIdsOfUsers(em: EntityManager, userIds: string[]): Promise<Map<string, string[]>>;
  /** For each user, every group it is in directly or through nesting. */
  transitiveGroupIdsOfUsers(em: EntityManager, userIds: string[]): Promise<Map<string, string[]>>;
  /** For each group, the groups that directly contain it. */
  parentGroupIdsOfGroups(em: EntityManager, groupIds: string[]): Promise<Map<string, string[]>>;
  /** Number of direct members of each group. */
  memberCountsOfGroups(em: EntityManager, groupIds: string[]): Promise<Map<string, number>>;
  /** One keyset page of members for each request, in a bounded number of statements. */
  memberPagesOfGroups(em: EntityManager, requests: MemberPageRequest[]): Promise<MemberRow[][]>;
  /** For each user, every group it is in with names (direct and through nesting). */
  groupsOfUsers(em: EntityManager, userIds: string[]): Promise<Map<string, GroupOfUser[]>>;
  /**
   * One keyset page of each request's group member list, with display names, in membership order
   * (the order members were added: membership ids are time-ordered), in a bounded number of
   * statements whatever the groups' sizes. A page starts after `afterId`, a membership id.
   */
  memberListPages(em: EntityManager, requests: MemberPageRequest[]): Promise<ListedMember[][]>;

  // Effective access
  /** The access facts of many (user, account) pairs in one statement, however deep the nesting. */
  loadAccessFacts(em: EntityManager, userIds: string[], accountIds: string[]): Promise<AccessFacts>;
  /** What whyNot reads besides the access facts: where the roles carrying a permission reach on an account (one statement). */
  whyNotFacts(em: EntityManager, query: WhyNotFactsQuery): Promise<WhyNotFacts>;

  // Credentials
  findApiKeyRecord(em: EntityManager, id: string): Promise<ApiKeyRecord | null>;
  /**
   * A SCIM token, with its organization's row read in the same statement and kept for `em`: the
   * rest of the request finds the organization there (findOrganization) without a statement, and
   * a request that never asks for it (a lookup, a GET) never pays for making it an entity.
   */
  findScimTokenRecord(em: EntityManager, id: string): Promise<ScimTokenRecord | null>;
  /**
   * Makes the organization read with `em`'s SCIM token (if any, and not made yet) a managed entity
   * of `em`, before a command forks a transaction from it: the fork starts with what `em` has.
   */
  loadTokenOrganization(em: EntityManager): void;

  // Writes
  /**
   * Locks one row until the transaction ends, for a command that reads it, decides and writes:
   * two such commands then take turns, the second reading what the first wrote. The lock lets
   * foreign-key checks through (PostgreSQL `FOR NO KEY UPDATE`), so inserting a row that merely
   * refers to a locked one never waits for it. On SQLite the one writer connection already runs
   * write transactions one at a time, so it does nothing there.
   */
  lockForChange(em: EntityManager, row: LockableRow, id: string): Promise<void>;
  /**
   * Until the transaction ends, no other transaction that works out whose effective access it
   * changes in these organizations (access.changed) runs alongside: each reads the access it is
   * about to change after the one before it committed, so two concurrent changes cannot both see
   * the same "before" (two `gained`, no `lost`). Taken before reading who a change reaches; locks
   * in id order. PostgreSQL: an advisory lock per organization; SQLite's one writer is the lock.
   */
  lockAccessChanges(em: EntityManager, organizationIds: string[]): Promise<void>;
  /**
   * Groups by id, locked as lockForChange locks them (in id order, so two transactions locking
   * overlapping sets queue instead of deadlocking), as managed entities, each with whether its
   * organization syncs groups: one statement.
   */
  lockGroupsForChange(em: EntityManager, ids: string[]): Promise<Array<{ group: Group; organizationSyncsGroups: boolean }>>;
  /**
   * A membership batch's transaction without MikroORM's unit of work, where the store has one
   * (SQLite: its writer thread; else it returns false at once). It takes the write lock, reads the
   * state of `groupIds` and `memberIds` in that transaction, and writes what `decide` returns — or
   * nothing, rolled back, when `decide` returns null. Returns whether it wrote.
   */
  membershipTransaction(em: EntityManager, query: { groupIds: string[]; memberIds: string[] }, decide: (state: MembershipState) => MembershipWrites | null): Promise<boolean>;
  /**
   * Inserts new entities atomically (all or none), group-committed with other commands' inserts
   * under load; joins the caller's transaction when there is one. A unique index violation
   * rejects with MikroORM's UniqueConstraintViolationException.
   */
  insertAll(em: EntityManager, entities: object[]): Promise<void>;
  /** Which of the domain's unique rules a violation broke, or null when it is not one of them. */
  violatedUniqueRule(error: UniqueConstraintViolationException): UniqueRule | null;
}

/** What a membership batch reads in its transaction. */
export interface MembershipState {
  /** The batch's groups found (as lockGroupsForChange gives them), in id order. */
  groups: Array<{ group: Group; organizationSyncsGroups: boolean }>;
  /** What each named member found is. */
  members: Map<string, MemberFacts>;
  /** Which of the named memberships exist. */
  existing: MembershipRow[];
  /** Whether a role is bound on one of the groups or on a group containing one of them. */
  rolesBound: boolean;
}

/** What a membership batch writes. */
export interface MembershipWrites {
  deletes: MembershipRow[];
  inserts: MembershipRow[];
  /** Its audit events, written as they are (persisted on no EntityManager). */
  events: AuditEvent[];
  /** The changed groups' new versions. */
  groupVersions: Array<{ id: string; version: number; updatedAt: Date }>;
}

export interface SearchQuery {
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

export interface SearchPage<T> {
  total: number;
  items: T[];
}

/** Rows commands lock while they check and change them. */
export type LockableRow = "user" | "group" | "organization";

/** The uniqueness the domain promises, each kept by a unique index on both databases. */
export type UniqueRule =
  | "userName" | "groupDisplayName" | "roleKey" | "roleBinding" | "membershipUser" | "membershipGroup" | "roleMapping";

const stores = new WeakMap<object, DirectoryStore>();

/**
 * Ties a store to an ORM's configuration, which every EntityManager forked from it shares: the
 * domain reaches its store from the `em` it is handed (storeOf), and only the code that opens the
 * database (store/open.ts) decides which implementation that is.
 */
export function bindStore(config: object, store: DirectoryStore): void {
  stores.set(config, store);
}

export function storeOf(em: EntityManager): DirectoryStore {
  const store = stores.get(em.config);
  if (!store) throw new Error("no DirectoryStore is bound to this EntityManager's ORM (open it with store/open.ts)");
  return store;
}
