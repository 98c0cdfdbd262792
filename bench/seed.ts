import type { EntityData, EntityManager, EntityName, MikroORM } from "@mikro-orm/core";
import { Group, GroupMembership, Organization, Role, RoleBinding, User, Account } from "../src/store/entities";
import { idpRoleKeysOf } from "../src/domain/user-attributes";
import { roleBindingIdentityKey } from "../src/store/entities/role-binding";
import type { BenchDatabaseKind } from "./database";
import type { BenchTenant } from "./tenant";

/**
 * Fills the directory directly through the ORM's multi-row inserts: seeding is set-up, not what
 * is measured, and 100k users through SCIM would take minutes. Rows are the same entities the
 * server writes, so every index and constraint is exercised as in production. Users and
 * memberships go in as plain rows (a new entity's fields, spread, so its defaults still apply):
 * insertMany sends plain rows straight to the driver's multi-row INSERT, where entities would each
 * cost a change set first. Measured on SQLite: 150,000 memberships in 10 s instead of 17-23 s,
 * the same rows; it is what lets million.ts seed 3,000,000 of them in minutes.
 */
const CHUNK = 500;

export const userNameOf = (i: number) => `user${i}@bench.test`;

/** Inserts users [from, to) and returns their ids. Every third user carries an IdP role value. */
export async function seedUsers(orm: MikroORM, tenant: BenchTenant, from: number, to: number, onProgress?: (done: number) => void): Promise<string[]> {
  const ids: string[] = [];
  for (let start = from; start < to; start += CHUNK * 20) {
    const em = orm.em.fork();
    await em.transactional(async (tx) => {
      for (let chunk = start; chunk < Math.min(start + CHUNK * 20, to); chunk += CHUNK) {
        const users: Array<EntityData<User>> = [];
        for (let i = chunk; i < Math.min(chunk + CHUNK, to); i += 1) {
          const user = {
            ...new User(),
            organization: tenant.organizationId,
            userName: userNameOf(i),
            userNameKey: userNameOf(i),
            displayName: `User ${i}`,
            emails: [{ value: userNameOf(i), type: "work", primary: true }],
            roles: i % 3 === 0 ? [{ value: `Bench-Role-${i % 4}` }] : [],
            // Written beside the values, as the commands write it: whoCan matches mappings on it.
            idpRoleKeys: i % 3 === 0 ? idpRoleKeysOf([{ value: `Bench-Role-${i % 4}` }]) : null,
            managedBy: "SCIM" as const,
          };
          users.push(user);
          ids.push(user.id);
        }
        await tx.insertMany(User, users);
      }
    });
    onProgress?.(Math.min(start + CHUNK * 20, to));
  }
  return ids;
}

export interface GroupTree {
  top: string[];
  mid: string[];
  leaf: string[];
}

/**
 * A three-level tree of groups (top ⊃ mid ⊃ leaf), roles bound on top groups for the whole
 * organization and on mid groups for one account, and IdP role values mapped to roles.
 */
export async function seedGroupTree(orm: MikroORM, tenant: BenchTenant, shape: { top: number; midPerTop: number; leafPerMid: number }): Promise<GroupTree> {
  const tree: GroupTree = { top: [], mid: [], leaf: [] };
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    const org = tx.getReference(Organization, tenant.organizationId);
    const groups: Group[] = [];
    const edges: GroupMembership[] = [];
    const group = (name: string) => {
      const g = Object.assign(new Group(), { organization: org, displayName: name, displayNameKey: name.toLowerCase(), managedBy: "SCIM" });
      groups.push(g);
      return g;
    };
    for (let t = 0; t < shape.top; t += 1) {
      const top = group(`top-${t}`);
      tree.top.push(top.id);
      for (let m = 0; m < shape.midPerTop; m += 1) {
        const mid = group(`mid-${t}-${m}`);
        tree.mid.push(mid.id);
        edges.push(Object.assign(new GroupMembership(), { group: top, memberGroup: mid }));
        for (let l = 0; l < shape.leafPerMid; l += 1) {
          const leaf = group(`leaf-${t}-${m}-${l}`);
          tree.leaf.push(leaf.id);
          edges.push(Object.assign(new GroupMembership(), { group: mid, memberGroup: leaf }));
        }
      }
    }
    await insertInChunks(tx, Group, groups);
    await insertInChunks(tx, GroupMembership, edges);
    const bindings = [
      ...tree.top.map((g, i) => binding(tx.getReference(Role, tenant.roleIds[i % 4]), g, null)),
      ...tree.mid.map((g, i) => binding(tx.getReference(Role, tenant.roleIds[4 + (i % 4)]), g, tenant.accountIds[i % tenant.accountIds.length])),
    ];
    await insertInChunks(tx, RoleBinding, bindings);
    function binding(role: Role, groupId: string, accountId: string | null): RoleBinding {
      return Object.assign(new RoleBinding(), {
        organization: org,
        role,
        subjectGroup: tx.getReference(Group, groupId),
        account: accountId ? tx.getReference(Account, accountId) : null,
        identityKey: roleBindingIdentityKey(role.id, `group:${groupId}`, accountId),
      });
    }
  });
  return tree;
}

/**
 * Puts each user in `perUser` leaf groups (round robin, 1 by default), spread evenly over the
 * leaves; `firstIndex` is the first user's index in the directory, so that seeding in steps
 * spreads the users as one call would.
 */
export async function seedLeafMemberships(orm: MikroORM, userIds: string[], leafGroupIds: string[], perUser = 1, firstIndex = 0): Promise<void> {
  const stride = Math.floor(leafGroupIds.length / perUser);
  if (stride < 1) throw new Error(`${perUser} groups per user need as many leaf groups, not ${leafGroupIds.length}`);
  await seedMemberships(orm, userIds.flatMap((userId, i) =>
    Array.from({ length: perUser }, (_, j): [string, string] => [leafGroupIds[(firstIndex + i + j * stride) % leafGroupIds.length], userId])));
}

/** Creates a group with the given users as members and returns its id. */
export async function seedGroupWithMembers(orm: MikroORM, tenant: BenchTenant, name: string, userIds: string[]): Promise<string> {
  const em = orm.em.fork();
  const group = Object.assign(new Group(), { organization: em.getReference(Organization, tenant.organizationId), displayName: name, displayNameKey: name.toLowerCase(), managedBy: "SCIM" });
  await em.insertMany(Group, [group]);
  await seedMemberships(orm, userIds.map((userId) => [group.id, userId]));
  return group.id;
}

/** A user in many groups, bound on many accounts (access.whereCan): what seedUserInManyGroups made. */
export interface ManyGroupsUser {
  userId: string;
  /** Every account of the organization, the tenant's first. */
  accountIds: string[];
  /** Role id → the accounts on which the user's groups bind it. */
  accountsBoundTo: Map<string, Set<string>>;
}

/**
 * A user who is in `groups` groups over an organization of `accounts` accounts (the tenant's and
 * more), with `otherUsers` users beside it spread one a group: group g binds role 4 + g % 4 on 2
 * accounts (2g and 2g + 1, round the accounts), and group 0 also binds role 1 organization-wide.
 * The user is user 0 of seedUsers, so it carries the IdP role value Bench-Role-0 (mapped to role 0).
 */
export async function seedUserInManyGroups(orm: MikroORM, tenant: BenchTenant, shape: { accounts: number; groups: number; otherUsers: number }): Promise<ManyGroupsUser> {
  const [userId, ...others] = await seedUsers(orm, tenant, 0, 1 + shape.otherUsers);
  const accountIds = [...tenant.accountIds];
  const groupIds: string[] = [];
  const accountsBoundTo = new Map<string, Set<string>>();
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    const org = tx.getReference(Organization, tenant.organizationId);
    const accounts: Account[] = [];
    for (let i = accountIds.length; i < shape.accounts; i += 1) accounts.push(Object.assign(new Account(), { organization: org, name: `account-${i}` }));
    await insertInChunks(tx, Account, accounts);
    accountIds.push(...accounts.map((a) => a.id));
    const groups = Array.from({ length: shape.groups }, (_, g) =>
      Object.assign(new Group(), { organization: org, displayName: `many-${g}`, displayNameKey: `many-${g}`, managedBy: "SCIM" }));
    await insertInChunks(tx, Group, groups);
    groupIds.push(...groups.map((g) => g.id));
    const binding = (roleId: string, groupId: string, accountId: string | null) => Object.assign(new RoleBinding(), {
      organization: org,
      role: tx.getReference(Role, roleId),
      subjectGroup: tx.getReference(Group, groupId),
      account: accountId ? tx.getReference(Account, accountId) : null,
      identityKey: roleBindingIdentityKey(roleId, `group:${groupId}`, accountId),
    });
    const bindings = [binding(tenant.roleIds[1], groupIds[0], null)];
    groupIds.forEach((groupId, g) => {
      const roleId = tenant.roleIds[4 + (g % 4)];
      for (const accountId of [accountIds[(2 * g) % accountIds.length], accountIds[(2 * g + 1) % accountIds.length]]) {
        bindings.push(binding(roleId, groupId, accountId));
        accountsBoundTo.set(roleId, (accountsBoundTo.get(roleId) ?? new Set()).add(accountId));
      }
    });
    await insertInChunks(tx, RoleBinding, bindings);
  });
  await seedMemberships(orm, [
    ...groupIds.map((groupId): [string, string] => [groupId, userId]),
    ...others.map((otherId, i): [string, string] => [groupIds[i % groupIds.length], otherId]),
  ]);
  return { userId, accountIds, accountsBoundTo };
}

async function seedMemberships(orm: MikroORM, pairs: Array<[string, string]>): Promise<void> {
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const rows = pairs.slice(i, i + CHUNK).map(([groupId, userId]): EntityData<GroupMembership> => ({ ...new GroupMembership(), group: groupId, memberUser: userId }));
      await tx.insertMany(GroupMembership, rows);
    }
  });
}

/** insertMany in statements of CHUNK rows: one statement of thousands would pass SQLite's and PostgreSQL's limits on bound parameters. */
async function insertInChunks<T extends object>(tx: EntityManager, entity: EntityName<T>, rows: T[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await tx.insertMany(entity, rows.slice(i, i + CHUNK));
}

/**
 * After a seeding step, gives PostgreSQL the state a running server's tables would be in: what
 * autovacuum does a minute or so after a bulk load (insert-only tables are vacuumed too), done at
 * once. Its statistics: without them the planner answers `userName eq` (… order by id limit n) by
 * walking the primary key in id order and filtering every row (measured: all 2,000 rows read for
 * one lookup) instead of the (organization, userNameKey) index; PostgreSQL's manual advises
 * ANALYZE after a bulk load ("Populating a Database"). Its visibility map: until a VACUUM marks
 * the freshly written pages all-visible, every index-only scan also reads the table's row (the
 * access facts of a canBatch of 100 read ~220 rows so, 13% of its time); and autovacuum doing it
 * later, mid-scenario, would measure itself. SQLite plans these queries by index without
 * statistics, and gathering them would change what its recorded runs measured.
 */
export async function gatherStatistics(orm: MikroORM, kind: BenchDatabaseKind): Promise<void> {
  if (kind === "postgres") await orm.em.getConnection().execute("vacuum analyze");
}
