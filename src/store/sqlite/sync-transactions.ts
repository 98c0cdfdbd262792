import { setTimeout as sleep } from "node:timers/promises";
import type { AbstractSqlConnection } from "@mikro-orm/knex";
import { onDriverConnection } from "../sql/driver-connection";
import { SqliteWriterBusy, type SyncSqliteWriter } from "./sync-writer";

/** What inSyncTransaction resolves to when another process kept the write lock: nothing ran. */
export const WRITER_BUSY = Symbol("the write lock is another process's");

/**
 * How long to wait, in turn, for another process's write lock before giving up on the synchronous
 * writer: a fleet's processes write with it too and hold the lock for well under a millisecond.
 * SQLite's own busy handler would wait the same way, but on the serving thread.
 */
const RETRY_DELAYS_MS = [0, 1, 2, 5];

/**
 * Runs `work` in a transaction of the synchronous writer, committed when it resolves and rolled
 * back when it throws. The pool's only writer connection (`connection`, MikroORM's) is held
 * meanwhile, so MikroORM's transactions and these take turns in one process, as two MikroORM
 * transactions would; `work` may await, and the writer is still the only one. When another
 * process keeps the file's write lock past the retries, resolves WRITER_BUSY without running
 * `work`: the caller then writes through MikroORM's connection, which waits for the lock off the
 * serving thread (PRAGMA busy_timeout).
 */
export function inSyncTransaction<T>(
  connection: AbstractSqlConnection, writer: SyncSqliteWriter, work: () => Promise<T> | T,
): Promise<T | typeof WRITER_BUSY> {
  return onDriverConnection(connection, async () => {
    if (!(await began(writer))) return WRITER_BUSY;
    try {
      const result = await work();
      writer.commit();
      return result;
    } catch (error) {
      writer.rollback();
      throw error;
    }
  });
}

async function began(writer: SyncSqliteWriter): Promise<boolean> {
  for (const delay of [...RETRY_DELAYS_MS, null]) {
    try {
      writer.begin();
      return true;
    } catch (error) {
      if (!(error instanceof SqliteWriterBusy)) throw error;
      if (delay === null) return false;
      await sleep(delay);
    }
  }
  return false;
}
