/**
 * Settings every PostgreSQL connection gets, with SET (which PgBouncer's session mode passes on,
 * unlike startup options). Every statement here is a short indexed read or write whose right plan
 * does not depend on its parameters' values:
 * - JIT off: PostgreSQL compiles a plan whose estimated cost passes jit_above_cost (100,000) — the
 *   access facts' recursive walk crosses it at a million users, from the row estimate of the walk,
 *   not its work — for ~100 ms, against the statement's 20 ms: canBatch fell to a fifth at 1M users.
 * - Generic plans: a custom plan is made for each execution, from the statistics of the last
 *   ANALYZE. Planning a lookup (the user row with its groups walk) took ~0.4 ms, more than running
 *   it. And an organization created since that ANALYZE is estimated at one row, so its
 *   `userName eq` lookups read every user of the organization through the (organization,
 *   externalId) index instead of probing the unique (organization, userName) one: a sync into a new
 *   organization grew quadratically. A generic plan is made once per prepared statement and
 *   estimates an organization by the average.
 */
export const POSTGRES_SESSION_SETTINGS = "SET jit = off; SET plan_cache_mode = force_generic_plan";
