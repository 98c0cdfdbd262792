import { AsyncLocalStorage } from "node:async_hooks";
import type { EntityManager } from "@mikro-orm/core";
import { accessChanges, accessMapOf, EVERY_OTHER_ACCOUNT, type AccessMap, type AccountAccessChange } from "../../access/access-map";
import type { RoleFact } from "../../access/types";
import { Role, RoleMapping, type AuditEvent, type Organization, type User } from "../../store/entities";
import type { Actor } from "../actor";
import { auditEvent } from "../audit";
import { storeOf } from "../ports/store";
import { loadAccessGraphs } from "../queries/access-graphs";
import { idpRoleValues } from "../user-attributes";

/** Users whose access facts one statement loads: bounds its parameters and its answer. */
const SNAPSHOT_CHUNK = 1_000;

/** What caused an access change: the event of the command that made it. */
export interface AccessChangeCause {
  type: string;
  eventId: string | null;
}

/**
 * Watches some users' effective access across one command: made before the command changes
 * anything (it reads their access then), recorded after (it reads it again, in the same
 * transaction, and writes one `access.changed` event per user whose roles on some account
 * changed). Both reads are a statement per thousand users, resolved by the access rules themselves
 * (access/access-map.ts), so a binding on a group of 50,000 costs a hundred statements, not 50,000.
 */
export interface AccessTracker {
  record(cause: AccessChangeCause | AuditEvent): Promise<number>;
}

/** A tracker that records nothing: the command cannot change anyone's access. */
export const NO_ACCESS_CHANGE: AccessTracker = { record: async () => 0 };

/**
 * Makes the tracker. `userIds` — the users the command can reach — are read once the
 * organization's access lock is held (DirectoryStore.lockAccessChanges), so a change another
 * transaction commits meanwhile (a member added to the group being bound) is seen by one of the
 * two, never by neither. A command that may reach no one (no role bound on its groups) decides so
 * inside `userIds`, under the lock, for the same reason.
 */
export async function trackAccess(
  em: EntityManager, actor: Actor, organizationId: string, userIds: Iterable<string> | (() => Promise<Iterable<string>>),
  options: TrackOptions = {},
): Promise<AccessTracker> {
  await storeOf(em).lockAccessChanges(em, [organizationId]);
  const users = [...new Set(typeof userIds === "function" ? await userIds() : userIds)];
  if (users.length === 0) return NO_ACCESS_CHANGE;
  const before = await accessMaps(em, users);
  return {
    async record(cause) {
      // The command's changes must be in the database for the second read to see them.
      await em.flush();
      const after = await accessMaps(em, users);
      const causedBy = "createdAt" in cause ? { type: cause.type, eventId: cause.id } : cause;
      let changed = 0;
      for (const userId of users) {
        const accounts = accessChanges(before.get(userId) ?? NONE, withoutAccount(after.get(userId) ?? NONE, options.deletedAccountId));
        if (accounts.length === 0) continue;
        changed += 1;
        em.persist(accessChangedEvent(actor, { organizationId, userId, accounts }, causedBy));
      }
      return changed;
    },
  };
}

const NONE: AccessMap = new Map([[EVERY_OTHER_ACCOUNT, []]]);

export interface TrackOptions {
  /**
   * The account the command deletes. Read afterwards, it is no longer named, so it would fall
   * under "every other account" and seem to gain what those get; gone, it holds nothing: every
   * role held there is lost (organization-wide ones too), none gained.
   */
  deletedAccountId?: string;
}

function withoutAccount(access: AccessMap, accountId: string | undefined): AccessMap {
  if (accountId === undefined) return access;
  return new Map([...access, [accountId, []]]);
}

/** One user's change of effective access: what its `access.changed` event says. */
export interface UserAccessChange {
  organizationId: string;
  userId: string;
  accounts: AccountAccessChange[];
}

/** Receives the access changes a command records while a capture runs. */
export type AccessChangeSink = (change: UserAccessChange) => void;

const captures = new AsyncLocalStorage<AccessChangeSink>();

/**
 * Runs `work`, handing `sink` every user's access change it records, as its `access.changed`
 * event is made: whatIf runs the real command this way, in a transaction it then rolls back
 * (domain/queries/what-if.ts), so a preview and the events the change would emit come from the
 * same code. The events are still written; only the caller's rollback removes them. The capture
 * follows `work`'s own asynchronous calls, never another request's; what `work` schedules to run
 * later (a timer) carries it too, so a sink stops taking changes once `work` has returned.
 */
export function captureAccessChanges<T>(sink: AccessChangeSink, work: () => Promise<T>): Promise<T> {
  return captures.run(sink, work);
}

/** The `access.changed` event of one user's change; a capture running (captureAccessChanges) is told of it too. */
function accessChangedEvent(actor: Actor, change: UserAccessChange, cause: AccessChangeCause): AuditEvent {
  captures.getStore()?.(change);
  return auditEvent(actor, {
    type: "access.changed", organizationId: change.organizationId, targetType: "user", targetId: change.userId,
    data: { userId: change.userId, accounts: change.accounts.map(accountChange), cause },
  });
}

function accountChange(change: AccountAccessChange): Record<string, unknown> {
  const ref = (role: RoleFact) => ({ id: role.id, key: role.key });
  return { accountId: change.accountId, gained: change.gained.map(ref), lost: change.lost.map(ref) };
}

/** Each user's access map; a user that does not exist (deleted) has none. */
async function accessMaps(em: EntityManager, userIds: string[]): Promise<Map<string, AccessMap>> {
  const maps = new Map<string, AccessMap>();
  for (let i = 0; i < userIds.length; i += SNAPSHOT_CHUNK) {
    const chunk = userIds.slice(i, i + SNAPSHOT_CHUNK);
    // The account is a placeholder: accessMapOf resolves every account the user's facts name.
    const graphs = await loadAccessGraphs(em, chunk.map((userId) => ({ userId, accountId: EVERY_OTHER_ACCOUNT })));
    for (const userId of chunk) {
      if (graphs.users.has(userId)) maps.set(userId, accessMapOf(graphs.subgraph({ userId, accountId: EVERY_OTHER_ACCOUNT })));
    }
  }
  return maps;
}

/**
 * Whether a role is bound on one of these groups or on a group containing them: only then can a
 * change of their members (or their removal) change anyone's access. Most groups an IdP syncs
 * carry no binding, and their membership changes then cost one statement here and no snapshot.
 */
export function rolesBoundOnOrAbove(em: EntityManager, groupIds: string[]): Promise<boolean> {
  return storeOf(em).rolesBoundOnOrAbove(em, groupIds);
}

/** The users of these groups, directly or through nested groups. */
export function usersInGroups(em: EntityManager, groupIds: string[]): Promise<string[]> {
  return storeOf(em).userMembersOfGroups(em, groupIds);
}

/**
 * The `access.changed` event of a user being created, or null when it is granted nothing: a new
 * user is in no group and has no binding, so its access is what the organization's mappings give
 * its IdP role values, or else the default role. Costs nothing when the organization has no
 * default role and the user no role values (an IdP's sync, mostly); else two reads.
 */
export async function newUserAccessEvent(
  em: EntityManager, actor: Actor, organization: Organization, user: User, cause: AuditEvent,
): Promise<AuditEvent | null> {
  const values = idpRoleValues(user.roles ?? []);
  if (!user.active || (!organization.defaultRoleId && values.length === 0)) return null;
  const mappings = await em.find(RoleMapping, { organization: organization.id });
  const roleIds = new Set(mappings.map((m) => m.role.id));
  if (organization.defaultRoleId) roleIds.add(organization.defaultRoleId);
  const roles = await em.find(Role, { id: { $in: [...roleIds] } });
  const access = accessMapOf({
    user: { id: user.id, active: user.active, idpRoleValues: values },
    directGroupIds: [],
    parentGroups: new Map(),
    bindings: [],
    mappings: mappings.map((m) => ({ id: m.id, idpValue: m.idpValue, roleId: m.role.id, accountId: m.account?.id ?? null })),
    defaultRoleId: organization.defaultRoleId,
    roles: new Map(roles.map((r) => [r.id, { id: r.id, key: r.key, name: r.name, permissions: r.permissions }])),
  });
  const accounts = accessChanges(NONE, access);
  if (accounts.length === 0) return null;
  return accessChangedEvent(actor, { organizationId: organization.id, userId: user.id, accounts }, { type: cause.type, eventId: cause.id });
}
