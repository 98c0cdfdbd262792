import sqlite3 from "sqlite3";

/** How long a process waits for another to finish migrating the same file before giving up. */
const WAIT_FOR_OTHER_MIGRATION_MS = 10 * 60_000;

/**
 * Runs `work` (applying pending migrations) holding an exclusive lock on a small lock file beside
 * the database (`<file>-migrate.lock`), SQLite's counterpart of PostgreSQL's advisory lock
 * (postgres/migration-lock.ts): processes starting at once on one outdated file take turns, and
 * each after the first finds nothing left to apply.
 *
 * Why a second file: MikroORM's migrator checks for its migrations table and creates it outside
 * any transaction, so two processes can both find it missing and the second fails with "already
 * exists"; and the lock cannot be a transaction on the database itself, whose writer connection
 * the migrator needs. The lock is SQLite's own file lock, so a process that dies releases it.
 */
export async function withSqliteMigrationLock<T>(databasePath: string, work: () => Promise<T>): Promise<T> {
  if (databasePath === ":memory:") return work();
  const lock = await open(`${databasePath}-migrate.lock`);
  try {
    await exec(lock, `PRAGMA busy_timeout = ${WAIT_FOR_OTHER_MIGRATION_MS}`);
    // A table makes the file a database SQLite locks; BEGIN EXCLUSIVE then waits for any holder.
    await exec(lock, "CREATE TABLE IF NOT EXISTS migration_lock (held integer)");
    await exec(lock, "BEGIN EXCLUSIVE");
    try {
      return await work();
    } finally {
      await exec(lock, "COMMIT");
    }
  } finally {
    await new Promise<void>((resolve) => lock.close(() => resolve()));
  }
}

function open(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, (error) => (error ? reject(error) : resolve(db)));
  });
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}
