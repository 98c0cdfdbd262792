import { parentPort, workerData } from "node:worker_threads";
import type { Statement } from "../sql/group-commit";
import { SyncSqliteWriter, type WriterLog } from "./sync-writer";
import type { WalCheckpointer } from "./wal-checkpoints";

/** What the serving thread posts to the writer thread. */
export type ToWriterThread = { kind: "transaction"; id: number; statements: Statement[] } | { kind: "close" };

/** A statement the writer thread ran, for the serving thread's query log. */
export interface LoggedStatement {
  sql: string;
  took: number;
  results?: number;
}

/** What the writer thread posts back: each transaction's outcome, with its statements for the log. */
export type FromWriterThread =
  | { kind: "written"; id: number; statements: LoggedStatement[] }
  | { kind: "failed"; id: number; statements: LoggedStatement[]; error: { message: string; code?: string } }
  | { kind: "closed" };

/** What the writer thread is started with. */
export interface WriterThreadData {
  path: string;
}

/**
 * The writer thread: group-committed transactions, each run whole with better-sqlite3 on this
 * thread (SqliteWriterThread posts them). Here the connection may wait for another process's
 * write lock (`busy_timeout`): only this thread waits. It never checkpoints itself; the serving
 * thread's WalCheckpointer does, after the commits it is told of.
 */
function serve(): void {
  const port = parentPort;
  if (!port) throw new Error("writer-thread.ts runs as a worker thread (SqliteWriterThread starts it)");
  let logged: LoggedStatement[] = [];
  const log: WriterLog = (sql, context) => logged.push({ sql, ...context });
  const checkpointsElsewhere = { afterCommit: () => undefined, close: async () => undefined } as unknown as WalCheckpointer;
  const writer = new SyncSqliteWriter((workerData as WriterThreadData).path, log, checkpointsElsewhere, { waitForLockMs: 5_000 });
  port.on("message", (message: ToWriterThread) => {
    if (message.kind === "close") {
      void writer.close().finally(() => port.postMessage({ kind: "closed" } satisfies FromWriterThread));
      return;
    }
    logged = [];
    try {
      writer.begin();
      try {
        for (const { sql, params } of message.statements) writer.run(sql, params);
        writer.commit();
      } catch (error) {
        writer.rollback();
        throw error;
      }
      port.postMessage({ kind: "written", id: message.id, statements: logged } satisfies FromWriterThread);
    } catch (error) {
      const { message: text, code } = error as { message: string; code?: string };
      port.postMessage({ kind: "failed", id: message.id, statements: logged, error: { message: text, code } } satisfies FromWriterThread);
    }
  });
}

serve();
