/**
 * The one definition of a user's groups: every group it is in directly (`direct` 1) or through
 * nested groups (`direct` 0), one row per group. Unbounded in depth, like the walk that effective
 * access takes, so `can`, GET /Users and the `groups` filter agree at any nesting depth; `UNION`
 * keeps at most two rows per group, so the walk ends even on a cycle and costs time linear in the
 * memberships it reaches. The same text runs on SQLite and PostgreSQL. `name` prefixes the CTE
 * (filters nest it); `userIdSql` is an SQL expression (a column of the outer row, or a `?`).
 */
export function userGroupsWalk(userIdSql: string, name = "reach"): string {
  return `(with recursive ${name}(group_id, direct) as (
      select group_id, 1 from group_membership where member_user_id = ${userIdSql}
      union
      select ${name}_p.group_id, 0 from group_membership ${name}_p join ${name} ${name}_r on ${name}_p.member_group_id = ${name}_r.group_id)
    select group_id, max(direct) as direct from ${name} group by group_id)`;
}
