import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import { SQLITE_FILTER_SQL } from "../sql/filter";
import { onDriverConnection } from "../sql/driver-connection";
import type { CommitDriver, Statement } from "../sql/group-commit";
import type { Row } from "../sql/rows";
import { SqlDirectoryStore } from "../sql/sql-store";
import type { StoreDialect } from "../sql/store-dialect";
import type { WriteSession } from "../sql/write-session";
import type { IdgraphSqliteDriver } from "./driver";
import { runSql } from "./run-sql";
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
  idAmong: (column, select) => `${column} in (${select})`,
  joinPicked: (table, alias, select) => `join ${table} ${alias} on ${alias}.id in (${select})`,
  recordsFromJson: (param, fields) =>
    `select ${Object.entries(fields).map(([name, kind]) => `value ${kind === "json" ? "->" : "->>"} '$.${name}' as ${name}`).join(", ")} from json_each(${param})`,
  jsonObjectText: (pairs) => `json_object(${pairs.map(([key, value]) => `'${key}', ${value}`).join(", ")})`,
  // Datetimes are epoch milliseconds; strftime's %f is seconds with three decimals.
  isoTimestamp: (column) => `strftime('%Y-%m-%dT%H:%M:%fZ', ${column} / 1000.0, 'unixepoch')`,
  jsonArrayAppendCapped: (column, element, cap) =>
    `json_insert(case when json_array_length(${column}) >= ${Math.trunc(cap)} then json_remove(${column}, '$[0]') else ${column} end, '$[#]', json(${element}))`,
  jsonArrayHasText: (column, value) => `exists (select 1 from json_each(${column}) t where t.value = ${value})`,
};

/**
 * The embedded store: one SQLite file in WAL mode, one writer connection and three readers
 * (store/orm.ts). Reads outside a transaction run on a reader with statements prepared once per
 * connection (run-sql.ts); inserts are group-committed on a writer thread (threaded-writer.ts),
 * and membership batches are write sessions there, each with `BEGIN IMMEDIATE`, which takes the
 * write lock up front instead of failing with SQLITE_BUSY halfway.
 */
export class SqliteStore extends SqlDirectoryStore {
  readonly database = "sqlite" as const;
  protected readonly dialect = SQLITE_DIALECT;
  protected readonly filterDialect = SQLITE_FILTER_SQL;

  protected run(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
    return runSql(em, sql, params);
  }

  /** The writer connection is the lock: write transactions run one at a time. */
  async lockForChange(): Promise<void> {}

  /** The writer connection is the lock here too. */
  async lockAccessChanges(): Promise<void> {}

  /**
   * On the writer thread, holding the pool's only writer connection as a group commit does: it
   * takes turns with MikroORM's transactions and the group commits.
   */
  protected inWriteSession<T>(em: EntityManager, work: (session: WriteSession) => Promise<T>): Promise<T> {
    const connection = (em as SqlEntityManager).getConnection("write") as AbstractSqlConnection;
    return onDriverConnection(connection, () => work((em.getDriver() as IdgraphSqliteDriver).writerThread.session()));
  }

  protected commitDriver(em: EntityManager, connection: AbstractSqlConnection): CommitDriver {
    return new SqliteCommitDriver(connection, (em.getDriver() as IdgraphSqliteDriver).writerThread);
  }
}

/**
 * Group-committed transactions, written whole on the writer thread (threaded-writer.ts) while
 * this holds the pool's only writer connection: they queue behind MikroORM transactions and those
 * behind these, as two MikroORM transactions would.
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
    return e?.code === "SQLITE_CONSTRAINT" && /UNIQUE constraint failed/.test(e.message ?? "");
  }
}
