import type { EntityManager } from "@mikro-orm/core";
import type { AbstractSqlConnection, Knex, SqlEntityManager } from "@mikro-orm/knex";
import type { Row } from "../sql/rows";
import { logStatement } from "../sql/log-statement";
import { onDriverConnection } from "../sql/driver-connection";
import type { IdgraphSqliteDriver } from "./driver";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";

/**
 * Runs a hand-written statement with bound parameters. Inside a command's transaction it runs on
 * the transaction's connection (it must see the command's own writes and must not wait for the
 * connection the transaction holds). Outside, it runs on one of the store's readers (driver.ts),
 * in parallel with writes, straight on the driver: a statement prepared once per connection and
 * re-bound on each call. MikroORM's raw path would inline every value into the SQL text and
 * prepare it afresh, which costs more than the indexed lookup itself on the paths IdPs and apps
 * hit most.
 */
export async function runSql(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const sqlEm = em as SqlEntityManager;
  if (sqlEm.isInTransaction()) return runInTransaction(sqlEm, sql, params);
  const driver = sqlEm.getDriver() as IdgraphSqliteDriver;
  return driver.readers.use((reader, name) => allLogged(reader, driver.getConnection(), { type: "read", name }, sql, params));
}

/**
 * A statement of the caller's transaction, prepared on that transaction's own driver connection
 * (knex hands a transaction's client exactly that one connection), so statements inside a
 * transaction — a membership batch's reads and multi-row writes — are prepared once too, instead
 * of being handed through knex's raw path and prepared afresh on every call.
 */
async function runInTransaction(em: SqlEntityManager, sql: string, params: unknown[]): Promise<Row[]> {
  const transaction = em.getTransactionContext<Knex.Transaction>() as Knex.Transaction;
  const driver = (await transaction.client.acquireConnection()) as Sqlite3Connection;
  return allLogged(driver, em.getConnection("write") as AbstractSqlConnection, { type: "write", name: "transaction" }, sql, params);
}

/**
 * A statement prepared once per driver connection and re-bound on each call, on a connection of
 * `connection`'s pool, logged as MikroORM logs its own (the tests and the bench count statements).
 */
export function runPrepared(connection: AbstractSqlConnection, type: "read" | "write", sql: string, params: unknown[]): Promise<Row[]> {
  return onDriverConnection<Sqlite3Connection, Row[]>(connection, (driver) => allLogged(driver, connection, { type, name: "raw" }, sql, params));
}

/** Runs a statement prepared on `driver` and logs it under `connection`'s logger, as MikroORM logs its own. */
async function allLogged(
  driver: Sqlite3Connection, connection: AbstractSqlConnection, via: { type: "read" | "write"; name: string }, sql: string, params: unknown[],
): Promise<Row[]> {
  const started = Date.now();
  const rows = await preparedStatementsOf(driver).all(sql, params);
  logStatement(connection, sql, { took: Date.now() - started, results: rows.length, connection: via });
  return rows;
}
