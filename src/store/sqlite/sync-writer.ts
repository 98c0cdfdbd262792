import Database from "better-sqlite3";
import type { Row } from "../sql/rows";
import type { WalCheckpointer } from "./wal-checkpoints";

/**
 * What a synchronous writer sets on its connection: what every writer connection gets
 * (store/orm.ts), except what would block the thread it runs on. It never checkpoints (~22 ms per
 * 1,000 pages): WalCheckpointer does, on the thread pool. Its wait for another connection's write
 * lock is its owner's choice (`waitForLockMs`): none on the serving thread, where a busy file is
 * the cue to write through MikroORM's connection instead. Its page cache is half the others': it
 * inserts, walking the right edges and the userName index, and counts in the RSS.
 */
const SYNC_WRITER_PRAGMAS = [
  "synchronous = NORMAL",
  "foreign_keys = ON",
  "cache_size = -8192",
  "temp_store = MEMORY",
  "wal_autocheckpoint = 0",
];

/** Enough for every group-committed INSERT shape (one per table and batch size), or the dispatcher's statements. */
const CAPACITY = 256;

/** Thrown by `begin` when another process holds the write lock: nothing was written. */
export class SqliteWriterBusy extends Error {
  constructor() {
    super("the database file is being written by another connection");
  }
}

/** Told each statement the writer ran, how long it took and how many rows it returned (MikroORM's query log). */
export type WriterLog = (sql: string, context: { took: number; results?: number }) => void;

/**
 * A writer connection on the SQLite file through better-sqlite3, which runs each statement on the
 * calling thread. sqlite3 (MikroORM's driver) runs each statement on libuv's thread pool and
 * answers on a later turn of the event loop, so a transaction holds the file's one write lock
 * across round trips, each queued behind whatever else the serving thread has to do: a webhook
 * round held it ~22 ms that way, ~3 ms here. Two run: one on the serving thread for the
 * dispatcher's statement transactions, one on the writer thread for group commits
 * (writer-thread.ts), which may wait for another process's lock there.
 *
 * Callers hold the pool's writer connection while they write (sync-transactions.ts,
 * sqlite-store.ts), so these connections and MikroORM's never hold the lock at once in one
 * process; against other processes, on the serving thread, `begin` either takes the lock at once
 * or throws SqliteWriterBusy.
 */
export class SyncSqliteWriter {
  private database?: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly path: string, private readonly log: WriterLog, private readonly checkpoints: WalCheckpointer,
    /** How long `begin` may wait for another connection's write lock: 0 on the serving thread. */
    private readonly options: { waitForLockMs: number } = { waitForLockMs: 0 },
  ) {}

  /** `BEGIN IMMEDIATE`: the write lock now, or SqliteWriterBusy. */
  begin(): void {
    try {
      this.timed("begin immediate", () => this.open().exec("begin immediate"));
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_BUSY") throw new SqliteWriterBusy();
      throw error;
    }
  }

  /** One statement with `?` parameters, bound as node-sqlite3 binds them; its rows, if it returns any. */
  run(sql: string, params: unknown[]): Row[] {
    const statement = this.statementFor(sql);
    const bound = params.map(bindable);
    return this.timed(sql, () => (statement.reader ? (statement.all(bound) as Row[]) : (statement.run(bound), [])));
  }

  commit(): void {
    this.timed("commit", () => this.open().exec("commit"));
    this.checkpoints.afterCommit();
  }

  /** Ends the transaction, if one is open, without its writes. */
  rollback(): void {
    if (this.database?.inTransaction) this.timed("rollback", () => this.database?.exec("rollback"));
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.database?.close();
    this.database = undefined;
    await this.checkpoints.close();
  }

  private timed<T>(sql: string, work: () => T): T {
    const started = Date.now();
    const result = work();
    this.log(sql, { took: Date.now() - started, results: Array.isArray(result) ? result.length : undefined });
    return result;
  }

  /** Opened on the first write: the file exists and is migrated by then. */
  private open(): Database.Database {
    if (this.database) return this.database;
    const database = new Database(this.path, { fileMustExist: true });
    for (const pragma of SYNC_WRITER_PRAGMAS) database.pragma(pragma);
    database.pragma(`busy_timeout = ${this.options.waitForLockMs}`);
    return (this.database = database);
  }

  /** Prepared once per SQL text, least recently used dropped first (better-sqlite3 finalizes it when collected). */
  private statementFor(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) this.statements.delete(sql);
    else {
      statement = this.open().prepare(sql);
      if (this.statements.size >= CAPACITY) this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}

/** better-sqlite3 refuses booleans, Dates and undefined; node-sqlite3 binds them as 1/0, epoch milliseconds and NULL. */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value;
}
