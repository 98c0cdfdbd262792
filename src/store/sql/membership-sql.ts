import type { EntityManager } from "@mikro-orm/core";
import { Group } from "../entities";
import type { MemberFacts, MembershipRow } from "../../domain/ports/records";
import { newId } from "../ids";
import type { Statement } from "./group-commit";
import { upwardWalk } from "./group-walk";
import { managedEntity } from "./managed-entity";
import { chunks, type Row } from "./rows";
import type { StoreDialect } from "./store-dialect";

/**
 * The statements of membership changes, each built once here and run either one at a time on a
 * transaction's connection (sql-store.ts) or together in a write session (membershipTransaction).
 */

/** Chunk size keeps each multi-row statement under the bound-parameter limits of both databases. */
const ROWS_PER_STATEMENT = 500;

/** Groups by id with their organizations' group sync setting, locked where the dialect locks rows, in id order. */
export function groupsForChangeRead(dialect: StoreDialect, ids: string[]): Statement {
  return {
    sql: `select g.*, o.scim_sync_groups as organization_syncs_groups from "group" g join organization o on o.id = g.organization_id
       where g.id in (${dialect.idsFromJson("?")}) order by g.id ${dialect.lockRowsOf("g")}`,
    params: [JSON.stringify(ids)],
  };
}

export function groupsForChangeFrom(em: EntityManager, rows: Row[]): Array<{ group: Group; organizationSyncsGroups: boolean }> {
  return rows.map(({ organization_syncs_groups: syncs, ...row }) => ({ group: managedEntity(em, Group, row), organizationSyncsGroups: Boolean(syncs) }));
}

/** What each id is: a user or a group, of which organization, hidden from SCIM or not. */
export function memberFactsRead(dialect: StoreDialect, ids: string[]): Statement {
  return {
    sql: `select id, 'user' as kind, organization_id, case when protected_from_scim then 1 else 0 end as hidden from "user" where id in (${dialect.idsFromJson("?")})
       union all
       select id, 'group', organization_id, 0 from "group" where id in (${dialect.idsFromJson("?")})`,
    params: [JSON.stringify(ids), JSON.stringify(ids)],
  };
}

export function memberFactsFrom(rows: Row[]): Map<string, MemberFacts> {
  const facts = new Map<string, MemberFacts>();
  for (const r of rows) {
    facts.set(r.id as string, { kind: r.kind as MemberFacts["kind"], organizationId: r.organization_id as string, protectedFromScim: Number(r.hidden) === 1 });
  }
  return facts;
}

/** Which memberships of these groups and these members exist: both unique indexes (group_id, member_…_id) answer it, one probe per pair. */
export function existingMembershipsRead(dialect: StoreDialect, groupIds: string[], memberIds: string[]): Statement {
  return {
    sql: `select group_id, member_user_id as member_id, 'user' as kind from group_membership
         where group_id in (${dialect.idsFromJson("?")}) and member_user_id in (${dialect.idsFromJson("?")})
       union all
       select group_id, member_group_id, 'group' from group_membership
         where group_id in (${dialect.idsFromJson("?")}) and member_group_id in (${dialect.idsFromJson("?")})`,
    params: [JSON.stringify(groupIds), JSON.stringify(memberIds), JSON.stringify(groupIds), JSON.stringify(memberIds)],
  };
}

export function membershipsFrom(rows: Row[]): MembershipRow[] {
  return rows.map((r) => ({ groupId: r.group_id as string, memberId: r.member_id as string, kind: r.kind as MembershipRow["kind"] }));
}

/** A row when a role is bound on one of the groups or on a group containing them, however deep: one walk for them all. */
export function rolesBoundOnOrAboveRead(dialect: StoreDialect, groupIds: string[]): Statement {
  const walk = upwardWalk({ name: "above", seed: `select id as group_id from "group" where id in (${dialect.idsFromJson("?")})` });
  return {
    sql: `
      with recursive ${walk}
      select 1 as found from role_binding where subject_group_id in (select group_id from above) limit 1`,
    params: [JSON.stringify(groupIds)],
  };
}

/**
 * Inserts of memberships, 500 rows a statement. Existing members are skipped by the unique
 * indexes, so an add is idempotent and never reads the member list; RETURNING yields only the
 * rows really inserted.
 */
export function membershipInserts(dialect: StoreDialect, memberships: MembershipRow[], now: Date): Statement[] {
  const at = dialect.dateParam(now);
  const rows = memberships.map((m) => [newId(), m.groupId, m.kind === "user" ? m.memberId : null, m.kind === "group" ? m.memberId : null, at]);
  return chunks(rows, ROWS_PER_STATEMENT).map((chunk) => ({
    sql: `insert into group_membership (id, group_id, member_user_id, member_group_id, created_at) values ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}
         on conflict do nothing returning member_user_id, member_group_id`,
    params: chunk.flat(),
  }));
}

/** Deletes of memberships by (group, member) pair, one statement per kind of member and chunk. */
export function membershipDeletes(dialect: StoreDialect, memberships: MembershipRow[]): Statement[] {
  const columns: Array<[string, MembershipRow[]]> = [
    ["member_user_id", memberships.filter((m) => m.kind === "user")],
    ["member_group_id", memberships.filter((m) => m.kind === "group")],
  ];
  return columns.flatMap(([column, rows]) => chunks(rows).map((chunk) => ({
    sql: `delete from group_membership where (group_id, ${column}) in (select a, b from (${dialect.pairsFromJson("?")}) pairs)`,
    params: [JSON.stringify(chunk.map((m) => [m.groupId, m.memberId]))],
  })));
}

/** A group's new version, as a membership change leaves it. */
export function groupVersionUpdate(dialect: StoreDialect, id: string, version: number, updatedAt: Date): Statement {
  return { sql: `update "group" set version = ?, updated_at = ? where id = ?`, params: [version, dialect.dateParam(updatedAt), id] };
}
