import type { EntityManager } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { GroupMembership } from "./entities";
import { newId } from "./ids";

/** Members to add to or remove from one group, by id. */
export interface MemberIds {
  userIds: string[];
  groupIds: string[];
}

function sql(em: EntityManager): SqlEntityManager {
  return em as SqlEntityManager;
}

/** Chunk size keeps each multi-row statement under SQLite's bound-parameter limit. */
const ROWS_PER_STATEMENT = 500;

/**
 * Inserts membership rows with one multi-row INSERT per chunk; existing members are skipped by the
 * unique index (ON CONFLICT DO NOTHING), so an add is idempotent and never reads the member list.
 */
export async function insertMemberships(em: EntityManager, groupId: string, members: MemberIds): Promise<void> {
  const now = new Date();
  const rows = [
    ...members.userIds.map((id) => ({ id: newId(), group: groupId, memberUser: id, memberGroup: null, createdAt: now })),
    ...members.groupIds.map((id) => ({ id: newId(), group: groupId, memberUser: null, memberGroup: id, createdAt: now })),
  ];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await sql(em).createQueryBuilder(GroupMembership).insert(rows.slice(i, i + ROWS_PER_STATEMENT)).onConflict().ignore().execute();
  }
}

/** Deletes exactly the listed memberships of one group. */
export async function deleteMemberships(em: EntityManager, groupId: string, members: MemberIds): Promise<void> {
  if (members.userIds.length > 0) {
    await sql(em).createQueryBuilder(GroupMembership).delete({ group: groupId, memberUser: { $in: members.userIds } }).execute();
  }
  if (members.groupIds.length > 0) {
    await sql(em).createQueryBuilder(GroupMembership).delete({ group: groupId, memberGroup: { $in: members.groupIds } }).execute();
  }
}

/**
 * The groups that `groupId` is inside, directly or through nesting (its ancestors), in one
 * recursive query. `UNION` (not `UNION ALL`) stops the recursion even if a cycle slipped in.
 */
export async function ancestorGroupIds(em: EntityManager, groupId: string): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await sql(em).getConnection().execute(
    `with recursive ancestors(id) as (
       select group_id from group_membership where member_group_id = ?
       union
       select gm.group_id from group_membership gm join ancestors a on gm.member_group_id = a.id
     )
     select id from ancestors`,
    [groupId],
  );
  return new Set(rows.map((r) => r.id));
}
