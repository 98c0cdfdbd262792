import type { EntityManager } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import type { Row } from "../sql/rows";
import { logStatement } from "../sql/log-statement";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";

/**
 * Runs a hand-written statement with bound parameters. Inside a command's transaction it runs on
 * the transaction's connection (it must see the command's own writes and must not wait for the
 * connection the transaction holds). Outside, it runs on a read connection, in parallel with
 * writes, straight on the driver: a statement prepared once per connection and re-bound on each
 * call. MikroORM's raw path would inline every value into the SQL text and prepare it afresh,
 * which costs more than the indexed lookup itself on the paths IdPs and apps hit most.
 */
export async function runSql(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const sqlEm = em as SqlEntityManager;
  if (sqlEm.isInTransaction()) return sqlEm.execute<Row[]>(sql, params as never[]);
  const connection = sqlEm.getConnection("read") as AbstractSqlConnection;
  const client = connection.getKnex().client;
  const started = Date.now();
  const driver = (await client.acquireConnection()) as Sqlite3Connection;
  try {
    const rows = await preparedStatementsOf(driver).all(sql, params);
    logStatement(connection, sql, { took: Date.now() - started, results: rows.length, connection: { type: "read", name: "raw" } });
    return rows;
  } finally {
    await client.releaseConnection(driver);
  }
}
