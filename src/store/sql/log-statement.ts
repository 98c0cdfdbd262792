import type { AbstractSqlConnection } from "@mikro-orm/knex";

/** Logs a statement run on the driver like MikroORM's own queries, so statement counts (tests, bench) include it. */
export function logStatement(connection: AbstractSqlConnection, sql: string, context: Record<string, unknown>): void {
  (connection as unknown as { logQuery(query: string, context: Record<string, unknown>): void }).logQuery(sql, context);
}
