import sqlite3 from "sqlite3";
import type { Row } from "../sql/rows";
import { PreparedStatements, type Sqlite3Connection } from "./prepared-statements";

/** What a reader sets on its connection; `query_only` makes a write on one an error, not a second writer. */
const READER_PRAGMAS = [
  "PRAGMA busy_timeout = 5000",
  "PRAGMA cache_size = -16384",
  "PRAGMA temp_store = MEMORY",
  "PRAGMA query_only = ON",
].join("; ");

interface Reader {
  readonly name: string;
  readonly database: sqlite3.Database;
  readonly statements: PreparedStatements;
}

type Handoff = (reader: Reader) => void;

/**
 * The read connections of the store's hand-written statements (lookups, searches, credentials):
 * connections of their own on the same file, in WAL mode, so reads run beside the one writer and
 * see every committed write at once. Each runs one statement at a time, and a statement that finds
 * them all busy waits in one FIFO for the next to finish.
 *
 * They are not taken from MikroORM's read pool: acquiring from it (knex, tarn, a timer for each
 * waiting acquire) cost about 40 µs a statement, as much as the indexed read itself, and every
 * SCIM request runs two. MikroORM's own queries keep that pool.
 */
export class SqliteReaders {
  private opening: Promise<void> | null = null;
  private open = false;
  private readers: Reader[] = [];
  private readonly idle: Reader[] = [];
  private readonly waiting: Handoff[] = [];

  constructor(private readonly path: string, private readonly count: number) {}

  /** Runs a read statement on an idle reader (waiting for one when all are busy); the reader's name is for the query log. */
  async all(sql: string, params: unknown[]): Promise<{ rows: Row[]; reader: string }> {
    const reader = await this.take();
    try {
      return { rows: await reader.statements.all(sql, params), reader: reader.name };
    } finally {
      this.giveBack(reader);
    }
  }

  /** How busy the readers are at this instant, for the pool metrics (store/pool-stats.ts). */
  stats(): { inUse: number; free: number; pendingAcquires: number; max: number } {
    return { inUse: this.readers.length - this.idle.length, free: this.idle.length, pendingAcquires: this.waiting.length, max: this.count };
  }

  /** Closes the readers (each after the statement running on it, if any). */
  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    const readers = this.readers;
    this.readers = [];
    this.idle.length = 0;
    this.open = false;
    this.opening = null;
    await Promise.all(readers.map((reader) => new Promise<void>((resolve) => reader.database.close(() => resolve()))));
  }

  private async take(): Promise<Reader> {
    // Opened on the first read, so a process that never reads this way (migrations) opens none.
    if (!this.open) await (this.opening ??= this.openAll());
    return this.idle.pop() ?? new Promise<Reader>((resolve) => this.waiting.push(resolve));
  }

  private giveBack(reader: Reader): void {
    const next = this.waiting.shift();
    if (next) next(reader);
    else this.idle.push(reader);
  }

  private async openAll(): Promise<void> {
    const opened = await Promise.allSettled(Array.from({ length: this.count }, (_, i) => openReader(this.path, `reader-${i + 1}`)));
    const readers = opened.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const failed = opened.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failed) {
      this.opening = null;
      await Promise.all(readers.map((reader) => new Promise((resolve) => reader.database.close(resolve))));
      throw failed.reason;
    }
    this.readers = readers;
    this.idle.push(...readers);
    this.open = true;
  }
}

function openReader(path: string, name: string): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const database: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (openError) => {
      if (openError) return reject(openError);
      database.exec(READER_PRAGMAS, (error) => {
        if (error) return database.close(() => reject(error));
        resolve({ name, database, statements: new PreparedStatements(database as unknown as Sqlite3Connection) });
      });
    });
  });
}
