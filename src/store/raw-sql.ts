import type { EntityManager } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";

export type Row = Record<string, unknown>;

/**
 * Runs a hand-written statement with bound parameters. Inside a command's transaction it runs on
 * the transaction's connection (it must see the command's own writes and must not wait for the
 * connection the transaction holds); outside, on a read connection, in parallel with writes.
 */
export function runSql(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const sqlEm = em as SqlEntityManager;
  if (sqlEm.isInTransaction()) return sqlEm.execute<Row[]>(sql, params as never[]);
  return sqlEm.getConnection("read").execute<Row[]>(sql, params as never[]);
}
