import type { EntityManager, EntityMetadata, EntityProperty, MetadataStorage } from "@mikro-orm/core";
import { JsonType, UniqueConstraintViolationException } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";
import { logStatement } from "./raw-sql";

/**
 * Inserts new entities atomically: all of them or none, in one transaction on the writer
 * connection with prepared statements. This is the write path of the commands that only insert
 * (a SCIM create is what an IdP's initial sync does thousands of times): MikroORM's flush would
 * compute change sets and inline every value into fresh SQL text, which costs more than the
 * insert itself.
 *
 * Group commit: while the writer is busy, commands arriving meanwhile queue, and the next
 * transaction writes all of them with one multi-row INSERT per table. Under load a transaction
 * then costs four statements for many commands, not four each; alone, a command still gets its
 * own transaction at once (no timer, no added latency). Should a shared transaction fail (one
 * command's userName is taken), it is rolled back and its commands are retried one transaction
 * each, so every command gets exactly its own outcome.
 *
 * A unique-index violation rejects with MikroORM's UniqueConstraintViolationException, as a
 * flush would. The writer connection is the pool's only one, so these transactions queue behind
 * MikroORM transactions and they behind these, as two MikroORM transactions would.
 */
export async function insertInOneTransaction(em: EntityManager, entities: object[]): Promise<void> {
  if ((em as SqlEntityManager).isInTransaction()) {
    // The caller's transaction holds the writer: the rows join it (waiting for the writer here
    // would wait for ourselves).
    for (const entity of entities) em.persist(entity);
    return em.flush();
  }
  const connection = (em as SqlEntityManager).getConnection("write") as AbstractSqlConnection;
  let queue = queues.get(connection);
  if (!queue) queues.set(connection, (queue = new InsertQueue(connection, em.getMetadata())));
  return queue.enqueue(entities);
}

/** Commands per shared transaction: bounds its duration and its statements' parameter count. */
const MAX_COMMANDS_PER_TRANSACTION = 64;

const queues = new WeakMap<AbstractSqlConnection, InsertQueue>();

interface PendingCommand {
  entities: object[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

class InsertQueue {
  private readonly pending: PendingCommand[] = [];
  private draining = false;

  constructor(private readonly connection: AbstractSqlConnection, private readonly metadata: MetadataStorage) {}

  enqueue(entities: object[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entities, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_COMMANDS_PER_TRANSACTION);
        try {
          await this.write(batch);
          for (const command of batch) command.resolve();
        } catch (error) {
          if (batch.length === 1) batch[0].reject(asOrmError(error));
          else await this.writeOneByOne(batch);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async writeOneByOne(batch: PendingCommand[]): Promise<void> {
    for (const command of batch) {
      try {
        await this.write([command]);
        command.resolve();
      } catch (error) {
        command.reject(asOrmError(error));
      }
    }
  }

  /** One transaction: BEGIN IMMEDIATE, one multi-row INSERT per table and shape, COMMIT. */
  private async write(batch: PendingCommand[]): Promise<void> {
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
        for (const statement of this.insertStatements(batch)) await run(statement.sql, statement.params);
        await run("commit", []);
      } catch (error) {
        await run("rollback", []).catch(() => undefined);
        throw error;
      }
    } finally {
      await client.releaseConnection(driver);
    }
  }

  /**
   * Commands with the same sequence of tables (the same shape) share statements, one per table in
   * that order, so each command's rows go in in the order it listed them (parents first).
   */
  private insertStatements(batch: PendingCommand[]): Array<{ sql: string; params: unknown[] }> {
    const shapes = new Map<string, { tables: EntityMetadata[]; commands: object[][] }>();
    for (const { entities } of batch) {
      const tables = entities.map((entity) => this.metadata.get(entity.constructor.name));
      const key = tables.map((table) => table.className).join(",");
      let shape = shapes.get(key);
      if (!shape) shapes.set(key, (shape = { tables, commands: [] }));
      shape.commands.push(entities);
    }
    const statements: Array<{ sql: string; params: unknown[] }> = [];
    for (const { tables, commands } of shapes.values()) {
      tables.forEach((table, position) => {
        const plan = insertPlanOf(table);
        const rows = commands.map((entities) => entities[position] as Record<string, unknown>);
        statements.push({
          sql: `${plan.prefix} ${rows.map(() => plan.valuesTuple).join(", ")}`,
          params: rows.flatMap((row) => plan.columns.map((c) => c.encode(row[c.name]))),
        });
      });
    }
    return statements;
  }
}

function asOrmError(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  const unique = e?.code === "SQLITE_CONSTRAINT" && /UNIQUE constraint failed/.test(e.message ?? "");
  return unique ? new UniqueConstraintViolationException(error as Error) : error;
}

interface InsertPlan {
  /** `insert into "table" (columns) values` */
  prefix: string;
  /** `(?, ?, …)`, one per row. */
  valuesTuple: string;
  columns: Array<{ name: string; encode: (value: unknown) => unknown }>;
}
const plans = new WeakMap<EntityMetadata, InsertPlan>();

/** The INSERT of a table, from the entity metadata, values encoded as MikroORM stores them on SQLite. */
function insertPlanOf(metadata: EntityMetadata): InsertPlan {
  let plan = plans.get(metadata);
  if (plan) return plan;
  const columns: Array<{ column: string; name: string; encode: (value: unknown) => unknown }> = [];
  for (const prop of Object.values(metadata.props) as EntityProperty[]) {
    if (prop.persist === false) continue;
    if (prop.kind === "scalar") columns.push({ column: prop.fieldNames[0], name: prop.name, encode: encoderFor(prop) });
    else if (prop.kind === "m:1") columns.push({ column: prop.fieldNames[0], name: prop.name, encode: (v) => (v as { id?: unknown } | null)?.id ?? null });
  }
  plan = {
    prefix: `insert into "${metadata.tableName}" (${columns.map((c) => `"${c.column}"`).join(", ")}) values`,
    valuesTuple: `(${columns.map(() => "?").join(", ")})`,
    columns,
  };
  plans.set(metadata, plan);
  return plan;
}

function encoderFor(prop: EntityProperty): (value: unknown) => unknown {
  if (prop.customType instanceof JsonType) return (v) => (v === null || v === undefined ? null : JSON.stringify(v));
  if (prop.runtimeType === "boolean") return (v) => (v === null || v === undefined ? null : v ? 1 : 0);
  if (prop.runtimeType === "Date") return (v) => (v instanceof Date ? v.getTime() : v ?? null);
  return (v) => v ?? null;
}
