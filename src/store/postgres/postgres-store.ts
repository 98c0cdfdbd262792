import type { EntityManager, EntityProperty } from "@mikro-orm/core";
import { JsonType } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import type { LockableRow } from "../../domain/ports/store";
import { POSTGRES_FILTER_SQL } from "../sql/filter";
import { onDriverConnection } from "../sql/driver-connection";
import type { CommitDriver, Statement } from "../sql/group-commit";
import { inlineParameters } from "../sql/inline-parameters";
import { logStatement } from "../sql/log-statement";
import type { Row } from "../sql/rows";
import { SqlDirectoryStore } from "../sql/sql-store";
import type { JsonFieldKind, StoreDialect } from "../sql/store-dialect";
import type { IdgraphPostgreSqlDriver } from "./driver";
import { postgresLiteral } from "./literals";
import { forgetPrepared, isStalePreparedPlan, preparedQuery, type PgClient } from "./prepared-statements";

const LOCKABLE_TABLES: Record<LockableRow, string> = { user: `"user"`, group: `"group"`, organization: "organization" };

/** The first key of the organizations' access locks (lockAccessChanges): any constant; ours. */
const ACCESS_LOCK_CLASS = 712_024_502;

const POSTGRES_JSON_FIELD: Record<JsonFieldKind, (name: string) => string> = {
  text: (name) => `x->>'${name}'`,
  integer: (name) => `(x->>'${name}')::integer`,
  timestamp: (name) => `(x->>'${name}')::timestamptz`,
  json: (name) => `x->'${name}'`,
};

const POSTGRES_DIALECT: StoreDialect = {
  idsFromJson: (param) => `select jsonb_array_elements_text(${param}::jsonb)`,
  pairsFromJson: (param) => `select x->>0 as a, x->>1 as b from jsonb_array_elements(${param}::jsonb) x`,
  jsonArrayOfArrays: (values) => `coalesce(json_agg(json_build_array(${values.join(", ")})), '[]')`,
  dateParam: (date) => date,
  // jsonb is valid JSON by construction.
  jsonColumn: (column) => column,
  nullText: "null::text",
  lockRowsOf: (alias) => `for no key update of ${alias}`,
  skipLockedOf: (alias) => `for update of ${alias} skip locked`,
  idAmong: (column, select) => `${column} = any(array(${select}))`,
  joinPicked: (table, alias, select) => `cross join lateral (${select}) ${alias}_picked join ${table} ${alias} on ${alias}.id = ${alias}_picked.id`,
  recordsFromJson: (param, fields) => `select ${Object.entries(fields).map(([name, kind]) => `${POSTGRES_JSON_FIELD[kind](name)} as ${name}`).join(", ")} from jsonb_array_elements(${param}::jsonb) x`,
  jsonObjectText: (pairs) => `json_build_object(${pairs.map(([key, value]) => `'${key}', ${value}`).join(", ")})::text`,
  isoTimestamp: (column) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
  jsonArrayAppendCapped: (column, element, cap) =>
    `(case when jsonb_array_length(${column}) >= ${Math.trunc(cap)} then ${column} - 0 else ${column} end) || jsonb_build_array(${element})`,
  jsonArrayHasText: (column, value) => `jsonb_exists(${column}, ${value})`,
};

/**
 * The store on PostgreSQL: statements run on the transaction's connection inside a command, and
 * as prepared statements on a pooled connection outside one; inserts are group-committed on a
 * pooled connection of their own; rows are locked `FOR NO KEY UPDATE` for read-modify-writes.
 */
export class PostgresStore extends SqlDirectoryStore {
  readonly database = "postgres" as const;
  protected readonly dialect = POSTGRES_DIALECT;
  protected readonly filterDialect = POSTGRES_FILTER_SQL;

  /**
   * Inside a command's transaction, on its connection (MikroORM's). Outside, on one of the store's
   * readers (driver.ts) as a prepared statement (prepared-statements.ts): the lookups IdPs and apps
   * make on every request skip the query builder's text rewriting and PostgreSQL's parse and plan.
   */
  protected async run(em: EntityManager, sql: string, params: unknown[]): Promise<Row[]> {
    const sqlEm = em as SqlEntityManager;
    if (sqlEm.isInTransaction()) return sqlEm.execute<Row[]>(sql, params as never[]);
    const driver = sqlEm.getDriver() as IdgraphPostgreSqlDriver;
    return driver.readers.use(async (pg, name) => {
      const started = Date.now();
      const { rows } = await pg.query(preparedQuery(pg, sql, params)).catch((error: unknown) => {
        if (!isStalePreparedPlan(error)) throw error;
        forgetPrepared(pg);
        return pg.query(preparedQuery(pg, sql, params));
      });
      logStatement(driver.getConnection(), sql, { took: Date.now() - started, results: rows.length, connection: { type: "read", name } });
      return rows;
    });
  }

  async lockForChange(em: EntityManager, row: LockableRow, id: string): Promise<void> {
    await this.run(em, `select 1 from ${LOCKABLE_TABLES[row]} where id = ? for no key update`, [id]);
  }

  /**
   * A transaction-scoped advisory lock per organization, keyed (ACCESS_LOCK_CLASS, hashtext(id)):
   * the two-key form lives apart from the one-key migration lock, and two organizations whose ids
   * hash alike merely take turns. Not the organization's row: other commands lock that one.
   */
  async lockAccessChanges(em: EntityManager, organizationIds: string[]): Promise<void> {
    for (const id of [...new Set(organizationIds)].sort()) {
      await this.run(em, `select pg_advisory_xact_lock(${ACCESS_LOCK_CLASS}, hashtext(?)) as locked`, [id]);
    }
  }

  /**
   * None: PostgreSQL's transactions lock rows, not the database, so a membership batch's MikroORM
   * transaction holds up no other writer, and its statements are this process's round trips alone.
   */
  protected inWriteSession(): null {
    return null;
  }

  protected commitDriver(_em: EntityManager, connection: AbstractSqlConnection): CommitDriver {
    return new PostgresCommitDriver(connection);
  }
}

class PostgresCommitDriver implements CommitDriver {
  constructor(private readonly connection: AbstractSqlConnection) {}

  /**
   * The whole transaction as one text, its values written in as literals (literals.ts): one round
   * trip where a statement each cost one (begin, an INSERT per table, commit). On an error
   * PostgreSQL runs none of the rest, commit included, and the rollback ends the transaction.
   */
  transaction(statements: Statement[]): Promise<void> {
    return onDriverConnection<PgClient, void>(this.connection, async (pg) => {
      const started = Date.now();
      const text = ["begin", ...statements.map(({ sql, params }) => inlineParameters(sql, params, postgresLiteral)), "commit"].join(";\n");
      const log = (sqls: string[]) => {
        for (const sql of sqls) logStatement(this.connection, sql, { took: Date.now() - started, connection: { type: "write", name: "raw" } });
      };
      try {
        await pg.query(text);
      } catch (error) {
        await pg.query("rollback").catch(() => undefined);
        log(["begin", ...statements.map((s) => s.sql), "rollback"]);
        throw error;
      }
      log(["begin", ...statements.map((s) => s.sql), "commit"]);
    });
  }

  encoderFor(prop: EntityProperty): (value: unknown) => unknown {
    if (prop.customType instanceof JsonType) return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
    return (v) => v ?? null;
  }

  isUniqueViolation(error: unknown): boolean {
    return (error as { code?: string })?.code === "23505";
  }
}
