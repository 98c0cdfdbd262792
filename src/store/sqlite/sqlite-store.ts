import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import type { AccessFacts } from "../../domain/ports/records";
import { accessFactsFromRow } from "../sql/access-facts";
import { SQLITE_FILTER_SQL } from "../sql/filter";
import { GroupCommitQueue, type CommitDriver, type Statement } from "../sql/group-commit";
import type { Row } from "../sql/rows";
import { SqlDirectoryStore, type StoreDialect } from "../sql/sql-store";
import { SQLITE_ACCESS_FACTS_SQL } from "./access-facts-sql";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";
import { logStatement } from "../sql/log-statement";
import { runSql } from "./run-sql";

const SQLITE_DIALECT: StoreDialect = {
  idsFromJson: (param) => `select value from json_each(${param})`,
  jsonArrayOfArrays: (values) => `json_group_array(json_array(${values.join(", ")}))`,
  // MikroORM stores SQLite datetimes as epoch milliseconds.
  dateParam: (date) => date.getTime(),
};

/**
 * The embedded store: one SQLite file in WAL mode, one writer connection and three readers
 * (store/orm.ts). Reads outside a transaction run on a reader with statements prepared once per
 * connection (run-sql.ts); inserts are group-committed on the writer with `BEGIN IMMEDIATE`, which
 * takes the write lock up front instead of failing with SQLITE_BUSY halfway.
 */
export class SqliteStore extends SqlDirectoryStore {
  readonly database = "sqlite" as const;
  protected readonly dialect = SQLITE_DIALECT;
  protected readonly filterDialect = SQLITE_FILTER_SQL;
  private readonly queues = new WeakMap<AbstractSqlConnection, GroupCommitQueue>();

  protected run(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
    return runSql(em, sql, params);
  }

  async loadAccessFacts(em: EntityManager, userIds: string[], accountIds: string[]): Promise<AccessFacts> {
    const [row] = await this.run(em, SQLITE_ACCESS_FACTS_SQL, [JSON.stringify(userIds), JSON.stringify(accountIds)]);
    return accessFactsFromRow(row);
  }

  /** The writer connection is the lock: write transactions run one at a time. */
  async lockForChange(): Promise<void> {}

  insertAll(em: EntityManager, entities: object[]): Promise<void> {
    if ((em as SqlEntityManager).isInTransaction()) {
      // The caller's transaction holds the writer: the rows join it (waiting for the writer here
      // would wait for ourselves).
      for (const entity of entities) em.persist(entity);
      return em.flush();
    }
    const connection = (em as SqlEntityManager).getConnection("write") as AbstractSqlConnection;
    let queue = this.queues.get(connection);
    if (!queue) this.queues.set(connection, (queue = new GroupCommitQueue(new SqliteCommitDriver(connection), em.getMetadata())));
    return queue.enqueue(entities);
  }
}

/**
 * Transactions on the pool's only writer connection with prepared statements: they queue behind
 * MikroORM transactions and those behind these, as two MikroORM transactions would.
 */
class SqliteCommitDriver implements CommitDriver {
  constructor(private readonly connection: AbstractSqlConnection) {}

  async transaction(statements: Statement[]): Promise<void> {
    const client = this.connection.getKnex().client;
    const driver = (await client.acquireConnection()) as Sqlite3Connection;
    const prepared = preparedStatementsOf(driver);
    const run = async (sql: string, params: unknown[]) => {
      const started = Date.now();
      await prepared.run(sql, params);
      logStatement(this.connection, sql, { took: Date.now() - started, connection: { type: "write", name: "raw" } });
    };
    try {
      await run("begin immediate", []);
      try {
        for (const statement of statements) await run(statement.sql, statement.params);
        await run("commit", []);
      } catch (error) {
        await run("rollback", []).catch(() => undefined);
        throw error;
      }
    } finally {
      await client.releaseConnection(driver);
    }
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
