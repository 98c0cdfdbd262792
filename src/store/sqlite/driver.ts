import type { Configuration } from "@mikro-orm/core";
import { SqliteDriver } from "@mikro-orm/sqlite";
import { logStatement } from "../sql/log-statement";
import { StoreReaders } from "../sql/readers";
import type { Sqlite3Connection } from "./prepared-statements";
import { sqliteReaderConnector } from "./readers";
import { SqliteWriterThread } from "./threaded-writer";

/** The store's own read connections, besides MikroORM's three: sqlite3 runs queries on libuv's 4 worker threads. */
const STORE_READERS = 3;

/**
 * MikroORM's SQLite driver, which also owns the store's readers (sql/readers.ts) and its writer
 * thread for group commits (threaded-writer.ts), so they open with the database and close with it
 * (`orm.close()`).
 */
export class IdgraphSqliteDriver extends SqliteDriver {
  readonly readers: StoreReaders<Sqlite3Connection>;
  readonly writerThread: SqliteWriterThread;

  constructor(config: Configuration) {
    super(config);
    const path = config.get("dbName") as string;
    this.readers = new StoreReaders(STORE_READERS, sqliteReaderConnector(path));
    // Logged as the write connection's statements (that connection is made after this constructor).
    this.writerThread = new SqliteWriterThread(path, (sql, context) =>
      logStatement(this.getConnection("write"), sql, { ...context, connection: { type: "write", name: "writer-thread" } }));
  }

  override async close(force?: boolean): Promise<void> {
    await this.readers.close();
    await this.writerThread.close();
    await super.close(force);
  }
}
