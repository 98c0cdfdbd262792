import type { Configuration } from "@mikro-orm/core";
import { SqliteDriver } from "@mikro-orm/sqlite";
import { logStatement } from "../sql/log-statement";
import { StoreReaders } from "../sql/readers";
import type { Sqlite3Connection } from "./prepared-statements";
import { sqliteReaderConnector } from "./readers";
import { SyncSqliteWriter } from "./sync-writer";
import { SqliteWriterThread } from "./threaded-writer";
import { WalCheckpointer } from "./wal-checkpoints";

/** The store's own read connections, besides MikroORM's three: sqlite3 runs queries on libuv's 4 worker threads. */
const STORE_READERS = 3;

/**
 * MikroORM's SQLite driver, which also owns the store's readers (sql/readers.ts), its writer
 * thread for group commits (threaded-writer.ts) and its synchronous writer for statement
 * transactions (sync-writer.ts), so they open with the database and close with it (`orm.close()`).
 */
export class IdgraphSqliteDriver extends SqliteDriver {
  readonly readers: StoreReaders<Sqlite3Connection>;
  readonly syncWriter: SyncSqliteWriter;
  readonly writerThread: SqliteWriterThread;

  constructor(config: Configuration) {
    super(config);
    const path = config.get("dbName") as string;
    this.readers = new StoreReaders(STORE_READERS, sqliteReaderConnector(path));
    // The query log is the write connection's, looked up when a statement runs (it is made after this constructor).
    const logAs = (name: string) => (sql: string, context: Record<string, unknown>) =>
      logStatement(this.getConnection("write"), sql, { ...context, connection: { type: "write", name } });
    const checkpoints = new WalCheckpointer(path);
    this.syncWriter = new SyncSqliteWriter(path, logAs("sync"), checkpoints);
    this.writerThread = new SqliteWriterThread(path, logAs("writer-thread"), checkpoints);
  }

  override async close(force?: boolean): Promise<void> {
    await this.readers.close();
    await this.writerThread.close();
    // Last: it closes the checkpointer the writer thread also tells of its commits.
    await this.syncWriter.close();
    await super.close(force);
  }
}
