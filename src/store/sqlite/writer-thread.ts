import { parentPort, workerData } from "node:worker_threads";
import sqlite3 from "sqlite3";
import { runStatements, type Statement } from "../sql/statement-transaction";
import { SQLITE_PRAGMAS } from "./pragmas";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";

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
 * The writer thread: group-committed transactions, one at a time, each `BEGIN IMMEDIATE`, its
 * statements (prepared once on this connection) and `COMMIT`, on a sqlite3 connection of this
 * thread. sqlite3 answers each statement on this thread's event loop, which has nothing else to
 * do, so the file's write lock is held for SQLite's work and a few quick hops, not for turns of
 * the serving thread's loop. It is the same sqlite3 (and so the same SQLite) the rest of the
 * process uses: a second copy of SQLite in one process would not see this one's POSIX locks.
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
        .then((db) => new Promise<void>((resolve) => (db as unknown as sqlite3.Database).close(() => resolve())), () => undefined)
        .finally(() => port.postMessage({ kind: "closed" } satisfies FromWriterThread));
      return;
    }
    previous = previous.then(() => transaction(message.id, message.statements));
  });

  async function transaction(id: number, statements: Statement[]): Promise<void> {
    const logged: LoggedStatement[] = [];
    try {
      const db = await opened;
      await runStatements("begin immediate", statements, async (sql, params) => {
        const started = Date.now();
        await preparedStatementsOf(db).run(sql, params);
        logged.push({ sql, took: Date.now() - started });
      });
      port?.postMessage({ kind: "written", id, statements: logged } satisfies FromWriterThread);
    } catch (error) {
      const { message: text, code } = error as { message: string; code?: string };
      port?.postMessage({ kind: "failed", id, statements: logged, error: { message: text, code } } satisfies FromWriterThread);
    }
  }
}

function open(path: string): Promise<Sqlite3Connection> {
  return new Promise((resolve, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE, (openError) => {
      if (openError) return reject(openError);
      db.exec(SQLITE_PRAGMAS, (error) => (error ? reject(error) : resolve(db as unknown as Sqlite3Connection)));
    });
  });
}

serve();
