import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";

/** The part of knex's sqlite3 client and transaction this module touches. */
interface KnexSqliteClient {
  transaction(...args: unknown[]): KnexTransaction;
}
interface KnexTransaction {
  begin(connection: unknown): Promise<unknown>;
  query(connection: unknown, sql: string): Promise<unknown>;
}

/**
 * Makes every MikroORM transaction on this SQLite database start with `BEGIN IMMEDIATE`.
 *
 * knex begins SQLite transactions with a plain (deferred) `BEGIN`: the write lock is taken at the
 * first write. When several processes share one file, a command that read first and then writes
 * finds another process's write in between and fails at once with SQLITE_BUSY — the busy timeout
 * cannot help, since waiting would deadlock (or, in WAL mode, its snapshot is already stale).
 * `BEGIN IMMEDIATE` takes the write lock before the first read, so a second process waits for it
 * (PRAGMA busy_timeout, store/orm.ts) and then reads the committed state. Only the writer
 * connection runs transactions; readers outside them are untouched. Migrations run in such a
 * transaction too, so processes starting at once on one file take turns and each migration is
 * applied once (the second reads the first's migration table after waiting).
 *
 * knex has no option for this (its sqlite3 transaction always sends `BEGIN;`), so the writer's
 * client gets transactions whose begin sends `BEGIN IMMEDIATE;`; savepoints are unaffected.
 */
export function beginTransactionsImmediately(orm: MikroORM): void {
  const client = (orm.em as SqlEntityManager).getConnection("write").getKnex().client as KnexSqliteClient;
  const createTransaction = client.transaction.bind(client);
  client.transaction = (...args: unknown[]) => {
    const transaction = createTransaction(...args);
    // Safe to replace after construction: knex calls begin asynchronously, once the connection is acquired.
    transaction.begin = (connection) => transaction.query(connection, "BEGIN IMMEDIATE;");
    return transaction;
  };
}
