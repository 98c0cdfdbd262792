import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import { SQLITE_FILTER_SQL } from "../sql/filter";
import { onDriverConnection } from "../sql/driver-connection";
import type { CommitDriver, Statement } from "../sql/group-commit";
import type { Row } from "../sql/rows";
import { SqlDirectoryStore } from "../sql/sql-store";
import type { StoreDialect } from "../sql/store-dialect";
import type { IdgraphSqliteDriver } from "./driver";
import { runSql } from "./run-sql";
import { inSyncTransaction, WRITER_BUSY } from "./sync-transactions";
import type { SyncSqliteWriter } from "./sync-writer";
import type { SqliteWriterThread } from "./threaded-writer";

const SQLITE_DIALECT: StoreDialect = {
  idsFromJson: (param) => `select value from json_each(${param})`,
  pairsFromJson: (param) => `select json_extract(value, '$[0]') as a, json_extract(value, '$[1]') as b from json_each(${param})`,
  jsonArrayOfArrays: (values) => `json_group_array(json_array(${values.join(", ")}))`,
  // MikroORM stores SQLite datetimes as epoch milliseconds.
  dateParam: (date) => date.getTime(),
  // A value SQLite's JSON functions cannot parse (nested past their 1,000 levels, stored before the
  // server bounded depth) reads as the fallback, so one such row cannot fail a whole batch.
  jsonColumn: (column, fallback) => `json(case when json_valid(${column}) then ${column} else ${fallback} end)`,
  nullText: "null",
  lockRowsOf: () => "",
  skipLockedOf: () => "",
  recordsFromJson: (param, fields) =>
    `select ${Object.entries(fields).map(([name, kind]) => `value ${kind === "json" ? "->" : "->>"} '$.${name}' as ${name}`).join(", ")} from json_each(${param})`,
  unindexed: (column) => `+${column}`,
  jsonArrayHasText: (column, value) => `exists (select 1 from json_each(${column}) t where t.value = ${value})`,
};

/**
 * The embedded store: one SQLite file in WAL mode, MikroORM's writer connection and three readers
 * (store/orm.ts), the store's own readers, a writer thread and a synchronous writer. Reads outside
 * a transaction run on a reader with statements prepared once per connection (run-sql.ts);
 * inserts are group-committed on a writer thread, and the webhook dispatcher's rounds written by
 * the synchronous writer, with `BEGIN IMMEDIATE`, which takes the write lock up front instead of
 * failing with SQLITE_BUSY halfway.
 */
export class SqliteStore extends SqlDirectoryStore {
  readonly database = "sqlite" as const;
  protected readonly dialect = SQLITE_DIALECT;
  protected readonly filterDialect = SQLITE_FILTER_SQL;

  /** The forks whose statements the synchronous writer runs: each inside a statementTransaction. */
  private readonly syncWriterSessions = new WeakSet<EntityManager>();

  protected async run(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
    if (this.syncWriterSessions.has(em)) return syncWriterOf(em).run(sql, params);
    return runSql(em, sql, params);
  }

  /** On the synchronous writer: each statement runs as it is called, not a round trip through the thread pool. */
  override async statementTransaction<T>(em: EntityManager, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const tx = em.fork();
    this.syncWriterSessions.add(tx);
    try {
      const connection = (em as SqlEntityManager).getConnection("write") as AbstractSqlConnection;
      const result = await inSyncTransaction(connection, syncWriterOf(em), () => work(tx));
      if (result !== WRITER_BUSY) return result;
    } finally {
      this.syncWriterSessions.delete(tx);
    }
    return super.statementTransaction(em, work);
  }

  /** The writer connection is the lock: write transactions run one at a time. */
  async lockForChange(): Promise<void> {}

  protected commitDriver(em: EntityManager, connection: AbstractSqlConnection): CommitDriver {
    return new SqliteCommitDriver(connection, (em.getDriver() as IdgraphSqliteDriver).writerThread);
  }
}

function syncWriterOf(em: EntityManager): SyncSqliteWriter {
  return (em.getDriver() as IdgraphSqliteDriver).syncWriter;
}

/**
 * Group-committed transactions, written whole on the writer thread (threaded-writer.ts) while
 * this holds the pool's only writer connection: they take turns with MikroORM's transactions and
 * the statement transactions, as two MikroORM transactions would.
 */
class SqliteCommitDriver implements CommitDriver {
  constructor(private readonly connection: AbstractSqlConnection, private readonly thread: SqliteWriterThread) {}

  transaction(statements: Statement[]): Promise<void> {
    return onDriverConnection(this.connection, () => this.thread.transaction(statements));
  }

  encoderFor(prop: EntityProperty): (value: unknown) => unknown {
    if (prop.customType instanceof JsonType) return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
    if (prop.runtimeType === "boolean") return (v) => (v === null || v === undefined ? null : v ? 1 : 0);
    if (prop.runtimeType === "Date") return (v) => (v instanceof Date ? v.getTime() : v ?? null);
    return (v) => v ?? null;
  }

  isUniqueViolation(error: unknown): boolean {
    const e = error as { code?: string; message?: string };
    // sqlite3 reports the primary code (SQLITE_CONSTRAINT), better-sqlite3 the extended one.
    return (e?.code === "SQLITE_CONSTRAINT" || e?.code === "SQLITE_CONSTRAINT_UNIQUE") && /UNIQUE constraint failed/.test(e.message ?? "");
  }
}
