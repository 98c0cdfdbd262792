/**
 * Every walk up the group graph, written once, in SQL both databases run: from seed rows (a
 * user's groups, a group's parents), follow group_membership from a member group to the groups
 * containing it until nothing new is reached. `UNION` (not `UNION ALL`) keeps each row once, so a
 * walk ends even on a cycle and costs time linear in the memberships it reaches. Unbounded in
 * depth, so `can`, GET /Users, the `groups` filter and the cycle check agree at any nesting depth.
 */
export interface UpwardWalk {
  /** The CTE's name; its columns are the carried ones, then `group_id`. */
  name: string;
  /** The first rows: `select <carried…>, group_id …`. */
  seed: string;
  /** Columns carried along each step, with what a step sets them to (by default: unchanged). */
  carried?: Array<{ column: string; onStep?: string }>;
}

/** The walk as one CTE of a `with recursive` clause. */
export function upwardWalk({ name, seed, carried = [] }: UpwardWalk): string {
  const columns = [...carried.map((c) => c.column), "group_id"].join(", ");
  const step = [...carried.map((c) => c.onStep ?? `${name}_r.${c.column}`), `${name}_p.group_id`].join(", ");
  return `${name}(${columns}) as (
      ${seed}
      union
      select ${step} from group_membership ${name}_p join ${name} ${name}_r on ${name}_p.member_group_id = ${name}_r.group_id)`;
}

/**
 * The one definition of a user's groups: every group it is in directly (`direct` 1) or through
 * nested groups (`direct` 0), one row per group, as a subquery. `UNION` keeps at most two rows per
 * group before the grouping. `name` prefixes the CTE (filters nest it); `userIdSql` is an SQL
 * expression (a column of the outer row, or a `?`).
 */
export function userGroupsWalk(userIdSql: string, name = "reach"): string {
  const walk = upwardWalk({
    name,
    seed: `select 1, group_id from group_membership where member_user_id = ${userIdSql}`,
    carried: [{ column: "direct", onStep: "0" }],
  });
  return `(with recursive ${walk}
    select group_id, max(direct) as direct from ${name} group by group_id)`;
}
