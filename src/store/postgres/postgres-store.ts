import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import type { AccessFacts } from "../../domain/ports/records";
import type { LockableRow } from "../../domain/ports/store";
import { accessFactsFromRow } from "../sql/access-facts";
import { POSTGRES_FILTER_SQL } from "../sql/filter";
import { GroupCommitQueue, type CommitDriver, type Statement } from "../sql/group-commit";
import { logStatement } from "../sql/log-statement";
import type { Row } from "../sql/rows";
import { SqlDirectoryStore, type StoreDialect } from "../sql/sql-store";
import { POSTGRES_ACCESS_FACTS_SQL } from "./access-facts-sql";
import { numberedPlaceholders, preparedQuery, type PgClient } from "./prepared-statements";

const LOCKABLE_TABLES: Record<LockableRow, string> = { user: `"user"`, group: `"group"`, organization: "organization" };

const POSTGRES_DIALECT: StoreDialect = {
  idsFromJson: (param) => `select jsonb_array_elements_text(${param}::jsonb)`,
  jsonArrayOfArrays: (values) => `coalesce(json_agg(json_build_array(${values.join(", ")})), '[]')`,
  dateParam: (date) => date,
};



/**
 * The store on PostgreSQL: statements run through MikroORM's connection (the transaction's inside
 * a command, the pool's otherwise); inserts are group-committed on a pooled connection of their own.
 */
export class PostgresStore extends SqlDirectoryStore {
  readonly database = "postgres" as const;
  protected readonly dialect = POSTGRES_DIALECT;
  protected readonly filterDialect = POSTGRES_FILTER_SQL;
  private readonly queues = new WeakMap<AbstractSqlConnection, GroupCommitQueue>();

  /**
   * Inside a command's transaction, on its connection (MikroORM's). Outside, straight on a pooled
   * connection as a prepared statement (prepared-statements.ts): the lookups IdPs and apps make on
   * every request skip the query builder's text rewriting and PostgreSQL's parse and plan.
   */
  protected async run(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
    const sqlEm = em as SqlEntityManager;
    if (sqlEm.isInTransaction()) return sqlEm.execute<Row[]>(sql, params as never[]);
    const connection = sqlEm.getConnection("read") as AbstractSqlConnection;
    const client = connection.getKnex().client;
    const pg = (await client.acquireConnection()) as PgClient;
    try {
      const started = Date.now();
      const { rows } = await pg.query(preparedQuery(pg, sql, params));
      logStatement(connection, sql, { took: Date.now() - started, results: rows.length, connection: { type: "read", name: "prepared" } });
      return rows;
    } finally {
      await client.releaseConnection(pg);
    }
  }

  async loadAccessFacts(em: EntityManager, userIds: string[], accountIds: string[]): Promise<AccessFacts> {
    const [row] = await this.run(em, POSTGRES_ACCESS_FACTS_SQL, [JSON.stringify(userIds), JSON.stringify(accountIds)]);
    return accessFactsFromRow(row);
  }

  async lockForChange(em: EntityManager, row: LockableRow, id: string): Promise<void> {
    await this.run(em, `select 1 from ${LOCKABLE_TABLES[row]} where id = ? for no key update`, [id]);
  }

  insertAll(em: EntityManager, entities: object[]): Promise<void> {
    if ((em as SqlEntityManager).isInTransaction()) {
      for (const entity of entities) em.persist(entity);
      return em.flush();
    }
    const connection = (em as SqlEntityManager).getConnection("write") as AbstractSqlConnection;
    let queue = this.queues.get(connection);
    if (!queue) this.queues.set(connection, (queue = new GroupCommitQueue(new PostgresCommitDriver(connection), em.getMetadata())));
    return queue.enqueue(entities);
  }
}

class PostgresCommitDriver implements CommitDriver {
  constructor(private readonly connection: AbstractSqlConnection) {}

  async transaction(statements: Statement[]): Promise<void> {
    const client = this.connection.getKnex().client;
    const pg = (await client.acquireConnection()) as PgClient;
    const run = async (sql: string, params: unknown[]) => {
      const started = Date.now();
      await pg.query(numberedPlaceholders(sql), params);
      logStatement(this.connection, sql, { took: Date.now() - started, connection: { type: "write", name: "raw" } });
    };
    try {
      await run("begin", []);
      try {
        for (const statement of statements) await run(statement.sql, statement.params);
        await run("commit", []);
      } catch (error) {
        await run("rollback", []).catch(() => undefined);
        throw error;
      }
    } finally {
      await client.releaseConnection(pg);
    }
  }

  encoderFor(prop: EntityProperty): (value: unknown) => unknown {
    if (prop.customType instanceof JsonType) return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
    return (v) => v ?? null;
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: string })?.code === "23505";
  }
}
