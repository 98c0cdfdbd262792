import sqlite3 from "sqlite3";

/** How often, at most, the WAL is copied back while writes come: bounds the WAL to a fraction of a second of writes. */
const CHECKPOINT_EVERY_MS = 250;

/**
 * Checkpoints for the synchronous writer (sync-writer.ts), off the serving thread. SQLite
 * checkpoints on the connection that commits once the WAL passes 1,000 pages; on better-sqlite3
 * that would copy ~4 MB and fsync on the serving thread, ~22 ms here, every few hundred creates.
 * So that connection does not checkpoint (`wal_autocheckpoint = 0`), and after its commits this
 * runs a PASSIVE checkpoint (it never waits for readers or writers) on a sqlite3 connection of its
 * own, whose work runs on libuv's thread pool: at most one at a time, at most every 250 ms.
 * MikroORM's writer keeps SQLite's own automatic checkpoints as well.
 */
export class WalCheckpointer {
  private database?: Promise<sqlite3.Database>;
  private running?: Promise<void>;
  private lastEndedAt = 0;

  constructor(private readonly path: string) {}

  /** Called after each commit of the synchronous writer. */
  afterCommit(): void {
    if (this.running || Date.now() - this.lastEndedAt < CHECKPOINT_EVERY_MS) return;
    this.running = this.checkpoint()
      // A failed checkpoint loses nothing (the frames stay in the WAL): the next commit's retries it.
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        this.lastEndedAt = Date.now();
      });
  }

  /** After the checkpoint in progress, if any. */
  async close(): Promise<void> {
    await this.running;
    const database = await this.database?.catch(() => undefined);
    this.database = undefined;
    if (database) await new Promise<void>((resolve) => database.close(() => resolve()));
  }

  private async checkpoint(): Promise<void> {
    const database = await (this.database ??= open(this.path));
    await new Promise<void>((resolve, reject) => database.exec("PRAGMA wal_checkpoint(PASSIVE)", (error) => (error ? reject(error) : resolve())));
  }
}

function open(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const database: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (error) => (error ? reject(error) : resolve(database)));
  });
}
