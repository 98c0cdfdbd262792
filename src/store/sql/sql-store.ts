import type { EntityManager } from "@mikro-orm/core";
import { newId } from "./ids";
import { runSql } from "./raw-sql";
import { chunks, jsonColumn, placeholders } from "./rows";

/** Members to add to or remove from one group, by id. */
export interface MemberIds {
  userIds: string[];
  groupIds: string[];
}

/** Chunk size keeps each multi-row statement under SQLite's bound-parameter limit. */
const ROWS_PER_STATEMENT = 500;

/**
 * Inserts membership rows with one multi-row INSERT per chunk; existing members are skipped by the
 * unique index (ON CONFLICT DO NOTHING), so an add is idempotent and never reads the member list.
 * Returns the members really added (RETURNING yields only inserted rows): an IdP re-sending an add
 * of a member already there changes nothing, and the caller audits nothing.
 */
export async function insertMemberships(em: EntityManager, groupId: string, members: MemberIds): Promise<MemberIds> {
  // MikroORM stores SQLite datetimes as epoch milliseconds.
  const now = Date.now();
  const rows = [
    ...members.userIds.map((id) => [newId(), groupId, id, null, now]),
    ...members.groupIds.map((id) => [newId(), groupId, null, id, now]),
  ];
  const added: MemberIds = { userIds: [], groupIds: [] };
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const inserted = await run(em,
      `insert into group_membership (id, group_id, member_user_id, member_group_id, created_at) values ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}
       on conflict do nothing returning member_user_id, member_group_id`,
      chunk.flat(),
    );
    collectMembers(inserted, added);
  }
  return added;
}

/** Deletes exactly the listed memberships of one group; returns the members really removed. */
export async function deleteMemberships(em: EntityManager, groupId: string, members: MemberIds): Promise<MemberIds> {
  const removed: MemberIds = { userIds: [], groupIds: [] };
  const columns: Array<[string, string[]]> = [["member_user_id", members.userIds], ["member_group_id", members.groupIds]];
  for (const [column, ids] of columns) {
    for (const chunk of chunks(ids)) {
      // The ids come first as a CTE: MikroORM's SQLite dialect runs a statement that starts with
      // `delete` without reading its rows, and RETURNING's rows are the point here.
      const deleted = await run(em,
        `with doomed(id) as (select value from json_each(?))
         delete from group_membership where group_id = ? and ${column} in (select id from doomed) returning member_user_id, member_group_id`,
        [JSON.stringify(chunk), groupId],
      );
      collectMembers(deleted, removed);
    }
  }
  return removed;
}

function collectMembers(rows: Array<Record<string, unknown>>, into: MemberIds): void {
  for (const r of rows) {
    if (r.member_user_id) into.userIds.push(r.member_user_id as string);
    else into.groupIds.push(r.member_group_id as string);
  }
}

/**
 * The groups that `groupId` is inside, directly or through nesting (its ancestors), in one
 * recursive query. `UNION` (not `UNION ALL`) stops the recursion even if a cycle slipped in.
 */
export async function ancestorGroupIds(em: EntityManager, groupId: string): Promise<Set<string>> {
  const rows = await run(em,
    `with recursive ancestors(id) as (
       select group_id from group_membership where member_group_id = ?
       union
       select gm.group_id from group_membership gm join ancestors a on gm.member_group_id = a.id
     )
     select id from ancestors`,
    [groupId],
  );
  return new Set(rows.map((r) => r.id as string));
}

const run = runSql;

/** For each user, the ids of the groups it is directly in. One query for all users. */
export async function directGroupIdsOfUsers(em: EntityManager, userIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
  for (const ids of chunks(userIds)) {
    const rows = await run(em, `select member_user_id, group_id from group_membership where member_user_id in (${placeholders(ids.length)}) order by group_id`, ids);
    for (const r of rows) result.get(r.member_user_id as string)?.push(r.group_id as string);
  }
  return result;
}

/** For each user, every group it is in directly or through nesting: one recursive query for all users. */
export async function transitiveGroupIdsOfUsers(em: EntityManager, userIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(userIds.map((id) => [id, []]));
  for (const ids of chunks(userIds)) {
    const rows = await run(em,
      `with recursive reach(user_id, group_id) as (
         select member_user_id, group_id from group_membership where member_user_id in (${placeholders(ids.length)})
         union
         select r.user_id, gm.group_id from group_membership gm join reach r on gm.member_group_id = r.group_id
       )
       select user_id, group_id from reach order by group_id`, ids);
    for (const r of rows) result.get(r.user_id as string)?.push(r.group_id as string);
  }
  return result;
}

/** For each group, the ids of the groups that directly contain it. */
export async function parentGroupIdsOfGroups(em: EntityManager, groupIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(groupIds.map((id) => [id, []]));
  for (const ids of chunks(groupIds)) {
    const rows = await run(em, `select member_group_id, group_id from group_membership where member_group_id in (${placeholders(ids.length)}) order by group_id`, ids);
    for (const r of rows) result.get(r.member_group_id as string)?.push(r.group_id as string);
  }
  return result;
}

/** Number of direct members (users and groups) of each group. */
export async function memberCountsOfGroups(em: EntityManager, groupIds: string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>(groupIds.map((id) => [id, 0]));
  for (const ids of chunks(groupIds)) {
    const rows = await run(em, `select group_id, count(*) as n from group_membership where group_id in (${placeholders(ids.length)}) group by group_id`, ids);
    for (const r of rows) result.set(r.group_id as string, Number(r.n));
  }
  return result;
}

export interface MemberRow {
  membershipId: string;
  groupId: string;
  userId: string | null;
  memberGroupId: string | null;
}

export interface MemberPageRequest {
  groupId: string;
  /** Membership id to start after (keyset), or null for the first page. */
  afterId: string | null;
  limit: number;
}

/**
 * One page of members for each of many groups, in one query per 100 groups: a UNION ALL of
 * per-group keyset scans (`group_id = ? AND id > ? ORDER BY id LIMIT ?`), each served by the
 * (group_id, id) index, so a page costs the same in a group of 10 or of 50,000 members.
 */
export async function memberPagesOfGroups(em: EntityManager, requests: MemberPageRequest[]): Promise<MemberRow[][]> {
  const pages: MemberRow[][] = requests.map(() => []);
  const indexed = requests.map((request, index) => ({ request, index }));
  for (const batch of chunks(indexed, 100)) {
    const selects = batch.map(({ index }) =>
      `select * from (select id, group_id, member_user_id, member_group_id, ${index} as request_index from group_membership
         where group_id = ? and id > ? order by id limit ?) p${index}`);
    const params = batch.flatMap(({ request }) => [request.groupId, request.afterId ?? "", request.limit]);
    const rows = await run(em, selects.join(" union all "), params);
    for (const r of rows) {
      pages[Number(r.request_index)].push({
        membershipId: r.id as string,
        groupId: r.group_id as string,
        userId: (r.member_user_id as string | null) ?? null,
        memberGroupId: (r.member_group_id as string | null) ?? null,
      });
    }
  }
  for (const page of pages) page.sort((a, b) => (a.membershipId < b.membershipId ? -1 : 1));
  return pages;
}

/** Every direct member id of one group, by kind (for a full replacement of the list). */
export async function memberIdsOfGroup(em: EntityManager, groupId: string): Promise<MemberIds> {
  const rows = await run(em, `select member_user_id, member_group_id from group_membership where group_id = ?`, [groupId]);
  const members: MemberIds = { userIds: [], groupIds: [] };
  collectMembers(rows, members);
  return members;
}

export interface GroupOfUser {
  id: string;
  displayName: string;
  /** false: the user is in it through a nested group. */
  direct: boolean;
}

/**
 * The one definition of a user's groups: every group it is in directly (`direct` 1) or through
 * nested groups (`direct` 0), one row per group. Unbounded in depth, like the walk that effective
 * access takes (store/access-subgraph.ts), so `can`, GET /Users and the `groups` filter agree at
 * any nesting depth; `UNION` keeps at most two rows per group, so the walk ends even on a cycle
 * and costs time linear in the memberships it reaches. `name` prefixes the CTE (filters nest it).
 */
export function userGroupsWalk(userIdSql: string, name = "reach"): string {
  return `(with recursive ${name}(group_id, direct) as (
      select group_id, 1 from group_membership where member_user_id = ${userIdSql}
      union
      select ${name}_p.group_id, 0 from group_membership ${name}_p join ${name} ${name}_r on ${name}_p.member_group_id = ${name}_r.group_id)
    select group_id, max(direct) as direct from ${name} group by group_id)`;
}

/**
 * A scalar subquery over a users row aliased `alias`: the user's groups (userGroupsWalk) as a JSON
 * array of [id, displayName, direct] — read with groupsFromJson. Lookups select it with the user
 * row, so their groups cost no second statement.
 */
export function groupsOfUserColumn(alias: string): string {
  return `(select json_group_array(json_array(g.id, g.display_name, x.direct))
      from ${userGroupsWalk(`${alias}.id`)} x
      join "group" g on g.id = x.group_id) as groups_json`;
}

/** The groups_json column of groupsOfUserColumn, ordered by group id (SQL gives no order inside an aggregate). */
export function groupsFromJson(value: unknown): GroupOfUser[] {
  const entries = jsonColumn<Array<[string, string, number]>>(value, []);
  return entries
    .map(([id, displayName, direct]) => ({ id, displayName, direct: Number(direct) === 1 }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** For each user, every group it is in (directly or through nesting) with names: one query. */
export async function groupsOfUsers(em: EntityManager, userIds: string[]): Promise<Map<string, GroupOfUser[]>> {
  const result = new Map<string, GroupOfUser[]>(userIds.map((id) => [id, []]));
  const rows = await run(em, `select u.id, ${groupsOfUserColumn("u")} from "user" u where u.id in (select value from json_each(?))`, [JSON.stringify(userIds)]);
  for (const r of rows) result.set(r.id as string, groupsFromJson(r.groups_json));
  return result;
}

export interface MemberOfGroup {
  id: string;
  type: "User" | "Group";
  display: string;
}

/** For each group, its direct members with display names, in the order they were added: one query. */
export async function membersOfGroups(em: EntityManager, groupIds: string[]): Promise<Map<string, MemberOfGroup[]>> {
  const result = new Map<string, MemberOfGroup[]>(groupIds.map((id) => [id, []]));
  for (const ids of chunks(groupIds)) {
    const rows = await run(em,
      `select gm.group_id, gm.member_user_id, gm.member_group_id, coalesce(u.display_name, u.user_name) as user_display, g.display_name as group_display
         from group_membership gm
         left join "user" u on u.id = gm.member_user_id
         left join "group" g on g.id = gm.member_group_id
        where gm.group_id in (${placeholders(ids.length)})
        order by gm.group_id, gm.id`, ids);
    for (const r of rows) {
      const member: MemberOfGroup = r.member_user_id
        ? { id: r.member_user_id as string, type: "User", display: r.user_display as string }
        : { id: r.member_group_id as string, type: "Group", display: r.group_display as string };
      result.get(r.group_id as string)?.push(member);
    }
  }
  return result;
}
