import type { EntityMetadata, EntityProperty, MetadataStorage, MikroORM } from "@mikro-orm/core";
import { UniqueConstraintViolationException } from "@mikro-orm/core";

/** One statement of a transaction the store writes by hand. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** How a database runs one group-committed transaction and binds entity values. */
export interface CommitDriver {
  /** Runs the statements in one transaction on the writer connection: all of them, or none. */
  transaction(statements: Statement[]): Promise<void>;
  /** How a property's value binds (JSON as text, booleans, datetimes as this database stores them). */
  encoderFor(prop: EntityProperty): (value: unknown) => unknown;
  /** The driver's own unique-index violation error. */
  isUniqueViolation(error: unknown): boolean;
}

/** Commands per shared transaction: bounds its duration and its statements' parameter count. */
export const MAX_COMMANDS_PER_TRANSACTION = 64;

/** Told how many commands each batch the queue takes holds (the metrics' idgraph_write_batch_size). */
export type WriteBatchObserver = (commands: number) => void;

const batchObservers = new WeakMap<MetadataStorage, WriteBatchObserver>();

/**
 * Has `observer` told the size of every batch this ORM's queues write, replacing any observer set
 * before. The queues are made per ORM with that ORM's metadata (sql-store.ts), so the metadata
 * names the ORM here, and store/ needs no metrics library.
 */
export function observeWriteBatches(orm: MikroORM, observer: WriteBatchObserver): void {
  batchObservers.set(orm.getMetadata(), observer);
}

interface PendingCommand {
  entities: object[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Inserts new entities atomically: all of them or none, in one transaction with one multi-row
 * INSERT per table. This is the write path of the commands that only insert (a SCIM create is what
 * an IdP's initial sync does thousands of times): MikroORM's flush would compute change sets and
 * inline every value into fresh SQL text, which costs more than the insert itself.
 *
 * Group commit: the commands handed over in one turn of the event loop, and those arriving while
 * a transaction is being written, share the next transaction. Under load a transaction then costs
 * a few statements for many commands; alone, a command waits only for the end of its turn (no
 * timer). Should a shared transaction fail (one command's userName is taken), it is rolled back
 * and its commands are retried one transaction each, so every command gets exactly its own outcome.
 * A unique-index violation rejects with MikroORM's UniqueConstraintViolationException, as a flush would.
 */
export class GroupCommitQueue {
  private readonly pending: PendingCommand[] = [];
  private draining = false;

  constructor(private readonly driver: CommitDriver, private readonly metadata: MetadataStorage) {}

  enqueue(entities: object[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entities, resolve, reject });
      if (this.draining) return;
      // After the rest of this turn of the event loop: the commands of every request read in
      // this turn share the transaction, instead of the first going alone and the rest after it.
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_COMMANDS_PER_TRANSACTION);
        // Once per batch, whatever its outcome: a failed batch's one-by-one retries are not batches.
        batchObservers.get(this.metadata)?.(batch.length);
        try {
          await this.driver.transaction(this.insertStatements(batch.map((command) => command.entities)));
          for (const command of batch) command.resolve();
        } catch (error) {
          if (batch.length === 1) batch[0].reject(this.asOrmError(error));
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
        await this.driver.transaction(this.insertStatements([command.entities]));
        command.resolve();
      } catch (error) {
        command.reject(this.asOrmError(error));
      }
    }
  }

  private asOrmError(error: unknown): unknown {
    return this.driver.isUniqueViolation(error) ? new UniqueConstraintViolationException(error as Error) : error;
  }

  /**
   * The INSERTs of commands, each command's new entities listed parents first. Commands with the
   * same sequence of tables (the same shape) share statements, one per table in that order, so
   * each command's rows go in in the order it listed them.
   */
  insertStatements(commands: object[][]): Statement[] {
    const shapes = new Map<string, { tables: EntityMetadata[]; commands: object[][] }>();
    for (const entities of commands) {
      const tables = entities.map((entity) => this.metadata.get(entity.constructor.name));
      const key = tables.map((table) => table.className).join(",");
      let shape = shapes.get(key);
      if (!shape) shapes.set(key, (shape = { tables, commands: [] }));
      shape.commands.push(entities);
    }
    const statements: Statement[] = [];
    for (const { tables, commands } of shapes.values()) {
      tables.forEach((table, position) => {
        const plan = this.insertPlanOf(table);
        const rows = commands.map((entities) => entities[position] as Record<string, unknown>);
        statements.push({
          sql: `${plan.prefix} ${rows.map(() => plan.valuesTuple).join(", ")}`,
          params: rows.flatMap((row) => plan.columns.map((c) => c.encode(row[c.name]))),
        });
      });
    }
    return statements;
  }

  private readonly plans = new Map<EntityMetadata, InsertPlan>();

  /** The INSERT of a table, from the entity metadata, values encoded as the driver binds them. */
  private insertPlanOf(metadata: EntityMetadata): InsertPlan {
    let plan = this.plans.get(metadata);
    if (plan) return plan;
    const columns: InsertPlan["columns"] = [];
    for (const prop of Object.values(metadata.props) as EntityProperty[]) {
      if (prop.persist === false) continue;
      if (prop.kind === "scalar") columns.push({ column: prop.fieldNames[0], name: prop.name, encode: this.driver.encoderFor(prop) });
      else if (prop.kind === "m:1") columns.push({ column: prop.fieldNames[0], name: prop.name, encode: (v) => (v as { id?: unknown } | null)?.id ?? null });
    }
    plan = {
      prefix: `insert into "${metadata.tableName}" (${columns.map((c) => `"${c.column}"`).join(", ")}) values`,
      valuesTuple: `(${columns.map(() => "?").join(", ")})`,
      columns,
    };
    this.plans.set(metadata, plan);
    return plan;
  }
}

interface InsertPlan {
  /** `insert into "table" (columns) values` */
  prefix: string;
  /** `(?, ?, …)`, one per row. */
  valuesTuple: string;
  columns: Array<{ column: string; name: string; encode: (value: unknown) => unknown }>;
}
