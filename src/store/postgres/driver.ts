import type { Configuration } from "@mikro-orm/core";
import type { AbstractSqlConnection } from "@mikro-orm/knex";
import { PostgreSqlDriver } from "@mikro-orm/postgresql";
import { StoreReaders } from "../sql/readers";
import type { PgClient } from "./prepared-statements";
import { postgresReaderConnector } from "./readers";

/**
 * How a process's PostgreSQL connections (DATABASE_POOL_SIZE, at least 3) are shared: a third of
 * them (at least one) are the store's readers, the rest MikroORM's pool — transactions, group
 * commits, and MikroORM's reads beside a transaction (so at least two).
 */
export function splitPostgresConnections(poolSize: number): { readers: number; pool: number } {
  const readers = Math.max(1, Math.floor(poolSize / 3));
  return { readers, pool: Math.max(2, poolSize - readers) };
}

/**
 * MikroORM's PostgreSQL driver, which also owns the store's readers (sql/readers.ts), so they open
 * with the database and close with it (`orm.close()`).
 */
export class IdgraphPostgreSqlDriver extends PostgreSqlDriver {
  readonly readers: StoreReaders<PgClient>;

  constructor(config: Configuration, readers = 1) {
    super(config);
    this.readers = new StoreReaders(readers, postgresReaderConnector(() => this.getConnection("write") as AbstractSqlConnection));
  }

  override async close(force?: boolean): Promise<void> {
    await this.readers.close();
    await super.close(force);
  }
}

/** The driver class MikroORM instantiates, with `readers` readers. */
export function postgresDriverWith(readers: number): typeof IdgraphPostgreSqlDriver {
  return class extends IdgraphPostgreSqlDriver {
    constructor(config: Configuration) {
      super(config, readers);
    }
  };
}
