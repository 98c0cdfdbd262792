/**
 * One connection of the database's own driver, below the ORM, for the raw storage ceilings:
 * sqlite3 on SQLite, node-postgres on PostgreSQL. Statements are sent one at a time, each
 * committing on its own unless the caller sends BEGIN/COMMIT around it.
 */
import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import { Client } from "pg";
import type { Database } from "sqlite3";
import type { DatabaseConfig } from "../../src/config";

export interface PreparedStatement {
  run(params: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export interface RawConnection {
  /** The n-th (1-based) bind placeholder of the driver: `?` for sqlite3, `$n` for node-postgres. */
  placeholder(n: number): string;
  /** Sends the statement as the ORM's query builder does: text and values, parsed each time. */
  run(sql: string, params?: unknown[]): Promise<void>;
  /** Parsed once, then only bound and executed. */
  prepare(sql: string): PreparedStatement;
  close(): Promise<void>;
}

/** A raw connection to the database `orm` has open. */
export function openRawConnection(orm: MikroORM, database: DatabaseConfig): Promise<RawConnection> {
  return database.kind === "sqlite" ? borrowSqliteConnection(orm) : connectPostgres(database.url);
}

/**
 * SQLite: the ORM's own sqlite3 connection, with the pragmas its pool's afterCreate set
 * (src/store/orm.ts), so nothing is restated here that could drift. The pool has one connection,
 * so the ORM issues nothing while we hold it.
 */
async function borrowSqliteConnection(orm: MikroORM): Promise<RawConnection> {
  const client = (orm.em as SqlEntityManager).getKnex().client;
  const db = (await client.acquireConnection()) as Database;
  const callback = (resolve: () => void, reject: (error: Error) => void) => (error: Error | null) => (error ? reject(error) : resolve());
  const get = <T>(sql: string) => new Promise<T>((resolve, reject) => db.get(sql, (error: Error | null, row: T) => (error ? reject(error) : resolve(row))));
  // Fail instead of measuring another configuration if the ORM's pragmas ever stop applying.
  const mode = await get<{ journal_mode: string }>("PRAGMA journal_mode");
  const sync = await get<{ synchronous: number }>("PRAGMA synchronous");
  if (mode.journal_mode !== "wal" || sync.synchronous !== 1) {
    await client.releaseConnection(db);
    throw new Error(`raw connection is not WAL + synchronous=NORMAL (got ${mode.journal_mode}, ${sync.synchronous})`);
  }
  return {
    placeholder: () => "?",
    run: (sql, params = []) => new Promise<void>((resolve, reject) => db.run(sql, params, callback(resolve, reject))),
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        run: (params) => new Promise<void>((resolve, reject) => statement.run(params, callback(resolve, reject))),
        close: () => new Promise<void>((resolve) => statement.finalize(() => resolve())),
      };
    },
    close: () => client.releaseConnection(db),
  };
}

/** PostgreSQL: a connection of its own with the server's default settings, as the ORM's pool opens them. */
async function connectPostgres(url: string): Promise<RawConnection> {
  const client = new Client({ connectionString: url });
  await client.connect();
  let statements = 0;
  return {
    placeholder: (n) => `$${n}`,
    run: async (sql, params = []) => {
      await client.query(sql, params);
    },
    prepare(sql) {
      // A named statement is parsed once per connection; later calls only bind and execute.
      const name = `ceiling_statement_${(statements += 1)}`;
      return {
        run: async (params) => {
          await client.query({ name, text: sql, values: params });
        },
        // The statement lives as long as its connection, which close() ends.
        close: async () => undefined,
      };
    },
    close: () => client.end(),
  };
}
