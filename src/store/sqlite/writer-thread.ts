import { parentPort, workerData } from "node:worker_threads";
import sqlite3 from "sqlite3";
import type { Statement } from "../sql/group-commit";
import { inlineParameters } from "./inline-parameters";
import { SQLITE_PRAGMAS } from "./pragmas";

/** What the serving thread posts to the writer thread. */
export type ToWriterThread = { kind: "transaction"; id: number; statements: Statement[] } | { kind: "close" };

/** A statement the writer thread ran, for the serving thread's query log. */
export interface LoggedStatement {
  sql: string;
  took: number;
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
 * The writer thread: group-committed transactions, one at a time, on a sqlite3 connection of this
 * thread. A transaction — `BEGIN IMMEDIATE`, its statements with their parameters written in as
 * literals (inline-parameters.ts), `COMMIT` — goes to SQLite as one text (`sqlite3_exec`): one
 * job on the thread pool, so the file's write lock is held for SQLite's work alone. Run statement
 * by statement, each was a hop through the pool (shared with every reader) and back, ~0.5 ms apiece
 * on a busy 2-core machine, with the lock held throughout while another process's writer waited:
 * two processes on one file wrote at ~80% of one's rate, and at ~90% written whole. Its statements
 * are only multi-row INSERTs, whose parsing costs less than those hops.
 *
 * It is the same sqlite3 (and so the same SQLite) the rest of the process uses: a second copy of
 * SQLite in one process would not see this one's POSIX locks.
 */
function serve(): void {
  const port = parentPort;
  if (!port) throw new Error("writer-thread.ts runs as a worker thread (SqliteWriterThread starts it)");
  const opened = open((workerData as WriterThreadData).path);
  // Transactions run one after the other, in the order they were posted.
  let previous: Promise<void> = Promise.resolve();
  port.on("message", (message: ToWriterThread) => {
    if (message.kind === "close") {
      previous = previous
        .then(() => opened)
        .then((db) => new Promise<void>((resolve) => db.close(() => resolve())), () => undefined)
        .finally(() => port.postMessage({ kind: "closed" } satisfies FromWriterThread));
      return;
    }
    previous = previous.then(() => transaction(message.id, message.statements));
  });

  async function transaction(id: number, statements: Statement[]): Promise<void> {
    // Logged as the statements they are; the time is the whole transaction's, taken by its first.
    const logged = (took: number, end: string): LoggedStatement[] =>
      [{ sql: "begin immediate", took }, ...statements.map(({ sql }) => ({ sql, took: 0 })), { sql: end, took: 0 }];
    const started = Date.now();
    try {
      const db = await opened;
      const text = ["begin immediate", ...statements.map(({ sql, params }) => inlineParameters(sql, params)), "commit"].join(";\n");
      await exec(db, text);
      port?.postMessage({ kind: "written", id, statements: logged(Date.now() - started, "commit") } satisfies FromWriterThread);
    } catch (error) {
      // sqlite3_exec stops at the failing statement and leaves the transaction open.
      await opened.then((db) => exec(db, "rollback")).catch(() => undefined);
      const { message: text, code } = error as { message: string; code?: string };
      port?.postMessage({ kind: "failed", id, statements: logged(Date.now() - started, "rollback"), error: { message: text, code } } satisfies FromWriterThread);
    }
  }
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(error) : resolve())));
}

function open(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (openError) => {
      if (openError) return reject(openError);
      exec(db, SQLITE_PRAGMAS).then(() => resolve(db), reject);
    });
  });
}

serve();
