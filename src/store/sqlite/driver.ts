import type { Configuration } from "@mikro-orm/core";
import { SqliteDriver } from "@mikro-orm/sqlite";
import { SqliteReaders } from "./readers";

/** Read connections of the store's own (besides MikroORM's read pool): sqlite3 runs queries on libuv's 4 worker threads. */
const STORE_READERS = 3;

/**
 * MikroORM's SQLite driver, which also owns the store's read connections (readers.ts), so they
 * open with the database and close with it (`orm.close()`).
 */
export class IdgraphSqliteDriver extends SqliteDriver {
  readonly readers: SqliteReaders;

  constructor(config: Configuration) {
    super(config);
    this.readers = new SqliteReaders(config.get("dbName") as string, STORE_READERS);
  }

  override async close(force?: boolean): Promise<void> {
    await this.readers.close();
    await super.close(force);
  }
}
