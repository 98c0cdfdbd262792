import type { Configuration } from "@mikro-orm/core";
import { SqliteDriver } from "@mikro-orm/sqlite";
import { StoreReaders } from "../sql/readers";
import type { Sqlite3Connection } from "./prepared-statements";
import { sqliteReaderConnector } from "./readers";

/** The store's own read connections, besides MikroORM's three: sqlite3 runs queries on libuv's 4 worker threads. */
const STORE_READERS = 3;

/**
 * MikroORM's SQLite driver, which also owns the store's readers (sql/readers.ts), so they open
 * with the database and close with it (`orm.close()`).
 */
export class IdgraphSqliteDriver extends SqliteDriver {
  readonly readers: StoreReaders<Sqlite3Connection>;

  constructor(config: Configuration) {
    super(config);
    this.readers = new StoreReaders(STORE_READERS, sqliteReaderConnector(config.get("dbName") as string));
  }

  override async close(force?: boolean): Promise<void> {
    await this.readers.close();
    await super.close(force);
  }
}
