import sqlite3 from "sqlite3";
import type { ReaderConnector } from "../sql/readers";
import type { Sqlite3Connection } from "./prepared-statements";

/** What a reader sets on its connection; `query_only` makes a write on one an error, not a second writer. */
const READER_PRAGMAS = [
  "PRAGMA busy_timeout = 5000",
  "PRAGMA cache_size = -16384",
  "PRAGMA temp_store = MEMORY",
  "PRAGMA query_only = ON",
].join("; ");

/**
 * The store's SQLite readers (sql/readers.ts): connections of their own on the database file. In
 * WAL mode they read beside the one writer and each statement sees every write committed before it.
 */
export function sqliteReaderConnector(path: string): ReaderConnector<Sqlite3Connection> {
  return {
    open: () => openReader(path),
    close: (connection) => new Promise((resolve) => (connection as unknown as sqlite3.Database).close(() => resolve())),
    // A local file does not go away between statements.
    isBroken: () => false,
  };
}

function openReader(path: string): Promise<Sqlite3Connection> {
  return new Promise((resolve, reject) => {
    const database: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (openError) => {
      if (openError) return reject(openError);
      database.exec(READER_PRAGMAS, (error) => {
        if (error) return database.close(() => reject(error));
        resolve(database as unknown as Sqlite3Connection);
      });
    });
  });
}
