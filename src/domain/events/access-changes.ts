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

export async function trackAccess(em: EntityManager, actor: Actor, organizationId: string, userIds: Iterable<string>): Promise<AccessTracker> {
  const users = [...new Set(userIds)];
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
        const accounts = accessChanges(before.get(userId) ?? NONE, after.get(userId) ?? NONE);
        if (accounts.length === 0) continue;
        changed += 1;
        em.persist(auditEvent(actor, {
          type: "access.changed", organizationId, targetType: "user", targetId: userId,
          data: {
            userId,
            accounts: accounts.map(accountChange),
            cause: causedBy,
          },
        }));
      }
      return changed;
    },
  };
}

const NONE: AccessMap = new Map([[EVERY_OTHER_ACCOUNT, []]]);

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
  return auditEvent(actor, {
    type: "access.changed", organizationId: organization.id, targetType: "user", targetId: user.id,
    data: { userId: user.id, accounts: accounts.map(accountChange), cause: { type: cause.type, eventId: cause.id } },
  });
}
