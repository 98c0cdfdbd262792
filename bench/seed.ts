import type { MikroORM } from "@mikro-orm/core";
import { Group, GroupMembership, Organization, Role, RoleBinding, User, Account } from "../src/store/entities";
import { roleBindingIdentityKey } from "../src/store/entities/role-binding";
import { newId } from "../src/store/ids";
import type { BenchDatabaseKind } from "./database";
import type { BenchTenant } from "./tenant";

/**
 * Fills the directory directly through the ORM's multi-row inserts: seeding is set-up, not what
 * is measured, and 100k users through SCIM would take minutes. Rows are the same entities the
 * server writes, so every index and constraint is exercised as in production.
 */
const CHUNK = 500;

export const userNameOf = (i: number) => `user${i}@bench.test`;

/** Inserts users [from, to) and returns their ids. Every third user carries an IdP role value. */
export async function seedUsers(orm: MikroORM, tenant: BenchTenant, from: number, to: number, onProgress?: (done: number) => void): Promise<string[]> {
  const ids: string[] = [];
  const org = orm.em.fork().getReference(Organization, tenant.organizationId);
  for (let start = from; start < to; start += CHUNK * 20) {
    const em = orm.em.fork();
    await em.transactional(async (tx) => {
      for (let chunk = start; chunk < Math.min(start + CHUNK * 20, to); chunk += CHUNK) {
        const users: User[] = [];
        for (let i = chunk; i < Math.min(chunk + CHUNK, to); i += 1) {
          const user = Object.assign(new User(), {
            organization: org,
            userName: userNameOf(i),
            userNameKey: userNameOf(i),
            displayName: `User ${i}`,
            emails: [{ value: userNameOf(i), type: "work", primary: true }],
            roles: i % 3 === 0 ? [{ value: `Bench-Role-${i % 4}` }] : [],
            managedBy: "SCIM",
          });
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
    await tx.insertMany(Group, groups);
    await tx.insertMany(GroupMembership, edges);
    const bindings = [
      ...tree.top.map((g, i) => binding(tx.getReference(Role, tenant.roleIds[i % 4]), g, null)),
      ...tree.mid.map((g, i) => binding(tx.getReference(Role, tenant.roleIds[4 + (i % 4)]), g, tenant.accountIds[i % tenant.accountIds.length])),
    ];
    await tx.insertMany(RoleBinding, bindings);
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

/** Puts each user in one leaf group (round robin). */
export async function seedLeafMemberships(orm: MikroORM, userIds: string[], leafGroupIds: string[]): Promise<void> {
  await seedMemberships(orm, userIds.map((userId, i) => [leafGroupIds[i % leafGroupIds.length], userId]));
}

/** Creates a group with the given users as members and returns its id. */
export async function seedGroupWithMembers(orm: MikroORM, tenant: BenchTenant, name: string, userIds: string[]): Promise<string> {
  const em = orm.em.fork();
  const group = Object.assign(new Group(), { organization: em.getReference(Organization, tenant.organizationId), displayName: name, displayNameKey: name.toLowerCase(), managedBy: "SCIM" });
  await em.insertMany(Group, [group]);
  await seedMemberships(orm, userIds.map((userId) => [group.id, userId]));
  return group.id;
}

async function seedMemberships(orm: MikroORM, pairs: Array<[string, string]>): Promise<void> {
  const em = orm.em.fork();
  await em.transactional(async (tx) => {
    for (let i = 0; i < pairs.length; i += CHUNK) {
      const rows = pairs.slice(i, i + CHUNK).map(([groupId, userId]) =>
        Object.assign(new GroupMembership(), { id: newId(), group: tx.getReference(Group, groupId), memberUser: tx.getReference(User, userId) }));
      await tx.insertMany(GroupMembership, rows);
    }
  });
}

/**
 * After a seeding step, gives PostgreSQL the table statistics a running server would have.
 * Autovacuum gathers them only a minute or so after a bulk load, and without them the planner
 * answers `userName eq` (… order by id limit n) by walking the primary key in id order and
 * filtering every row (measured: all 2,000 rows read for one lookup) instead of the
 * (organization, userNameKey) index; PostgreSQL's manual advises ANALYZE after a bulk load
 * ("Populating a Database"). SQLite plans these queries by index without statistics, and gathering
 * them would change what its recorded runs measured.
 */
export async function gatherStatistics(orm: MikroORM, kind: BenchDatabaseKind): Promise<void> {
  if (kind === "postgres") await orm.em.getConnection().execute("analyze");
}
