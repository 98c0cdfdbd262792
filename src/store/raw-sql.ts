import type { EntityManager } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";

export type Row = Record<string, unknown>;

/** The node-sqlite3 connection object knex's pool hands out. */
interface Sqlite3Connection {
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: Row[]) => void): void;
}

/**
 * Runs a hand-written statement with bound parameters. Inside a command's transaction it runs on
 * the transaction's connection (it must see the command's own writes and must not wait for the
 * connection the transaction holds). Outside, it runs on a read connection, in parallel with
 * writes, straight on the driver with real bound parameters: MikroORM's raw path would inline
 * every value into the SQL text, which costs more than the indexed lookup itself on hot paths.
 */
export async function runSql(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const sqlEm = em as SqlEntityManager;
  if (sqlEm.isInTransaction()) return sqlEm.execute<Row[]>(sql, params as never[]);
  const connection = sqlEm.getConnection("read") as AbstractSqlConnection;
  const client = connection.getKnex().client;
  const started = Date.now();
  const driver = (await client.acquireConnection()) as Sqlite3Connection;
  try {
    const rows = await new Promise<Row[]>((resolve, reject) => driver.all(sql, params, (error, result) => (error ? reject(error) : resolve(result))));
    // Logged like MikroORM's own queries, so statement counts (tests, bench) include these.
    (connection as unknown as { logQuery(query: string, context: Record<string, unknown>): void })
      .logQuery(sql, { took: Date.now() - started, results: rows.length, connection: { type: "read", name: "raw" } });
    return rows;
  } finally {
    await client.releaseConnection(driver);
  }
}
