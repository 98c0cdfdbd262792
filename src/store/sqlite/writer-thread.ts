import { parentPort, workerData } from "node:worker_threads";
import sqlite3 from "sqlite3";
import type { Statement } from "../sql/group-commit";
import type { Row } from "../sql/rows";
import { inlineParameters } from "./inline-parameters";
import { SQLITE_PRAGMAS } from "./pragmas";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";

/** What the serving thread posts to the writer thread. */
export type ToWriterThread =
  | { kind: "transaction"; id: number; statements: Statement[] }
  | SessionMessage
  | { kind: "close" };

/**
 * A write transaction that reads before it writes (threaded-writer.ts WriterSession): opened by
 * "begin", its reads answered in order, ended by "finish" — with the statements to write and
 * commit, or null to roll back.
 */
export type SessionMessage =
  | { kind: "begin"; id: number }
  | { kind: "read"; id: number; readId: number; sql: string; params: unknown[] }
  | { kind: "finish"; id: number; statements: Statement[] | null };

/** A statement the writer thread ran, for the serving thread's query log. */
export interface LoggedStatement {
  sql: string;
  took: number;
}

/** What the writer thread posts back: each transaction's outcome, with its statements for the log. */
export type FromWriterThread =
  | { kind: "written"; id: number; statements: LoggedStatement[] }
  | { kind: "rows"; id: number; readId: number; rows: Row[]; statements: LoggedStatement[] }
  | { kind: "failed"; id: number; statements: LoggedStatement[]; error: { message: string; code?: string } }
  | { kind: "closed" };

/** What the writer thread is started with. */
export interface WriterThreadData {
  path: string;
  /** How long a session may wait for its next message before it is rolled back: the file's lock is held meanwhile. */
  sessionIdleLimitMs: number;
}

/**
 * The writer thread: group-committed transactions, one at a time, on a sqlite3 connection of this
 * thread. A transaction — `BEGIN IMMEDIATE`, its statements with their parameters written in as
 * literals (inline-parameters.ts), `COMMIT` — goes to SQLite as one text (`sqlite3_exec`): one
 * job on the thread pool, so the file's write lock is held for SQLite's work alone. Run statement
 * by statement, each was a hop through the pool (shared with every reader) and back, ~0.5 ms apiece
 * on a busy 2-core machine, with the lock held throughout while another process's writer waited:
 * two processes on one file wrote at ~80% of one's rate, and at ~90% written whole. Its statements
 * are a few multi-row INSERTs, DELETEs and UPDATEs, whose parsing costs less than those hops.
 *
 * It also runs write sessions (sql/write-session.ts): `BEGIN IMMEDIATE`, reads answered one by
 * one, then the serving thread's writes and `COMMIT` as one text.
 *
 * It is the same sqlite3 (and so the same SQLite) the rest of the process uses: a second copy of
 * SQLite in one process would not see this one's POSIX locks.
 */
function serve(): void {
  const port = parentPort;
  if (!port) throw new Error("writer-thread.ts runs as a worker thread (SqliteWriterThread starts it)");
  const { path, sessionIdleLimitMs } = workerData as WriterThreadData;
  const opened = open(path);
  // Transactions run one after the other, in the order they were posted; a session's messages
  // wait in its inbox until its turn comes.
  let previous: Promise<void> = Promise.resolve();
  const inboxes = new Map<number, Inbox>();
  port.on("message", (message: ToWriterThread) => {
    switch (message.kind) {
      case "close":
        previous = previous
          .then(() => opened)
          .then((db) => new Promise<void>((resolve) => db.close(() => resolve())), () => undefined)
          .finally(() => port.postMessage({ kind: "closed" } satisfies FromWriterThread));
        return;
      case "transaction":
        previous = previous.then(() => transaction(message.id, message.statements));
        return;
      case "begin": {
        const inbox = new Inbox();
        inboxes.set(message.id, inbox);
        previous = previous.then(() => session(message.id, inbox)).finally(() => inboxes.delete(message.id));
        return;
      }
      default:
        // A session that has ended (failed, timed out) drops what was still posted to it.
        inboxes.get(message.id)?.push(message);
    }
  });

  /**
   * `BEGIN IMMEDIATE`, then the session's reads, each answered as it is run (prepared once on this
   * connection), until "finish": its statements and `COMMIT` as one text, or `ROLLBACK`. Any
   * failure rolls back and ends the session with one "failed" answer.
   */
  async function session(id: number, inbox: Inbox): Promise<void> {
    const logged: LoggedStatement[] = [];
    const timed = async <T>(sql: string, work: () => Promise<T>): Promise<T> => {
      const started = Date.now();
      const result = await work();
      logged.push({ sql, took: Date.now() - started });
      return result;
    };
    let db: sqlite3.Database | null = null;
    try {
      db = await opened;
      const connection = db;
      await timed("begin immediate", () => exec(connection, "begin immediate"));
      for (;;) {
        const message = await inbox.next(sessionIdleLimitMs);
        if (message.kind === "read") {
          const rows = await timed(message.sql, () => preparedStatementsOf(connection as unknown as Sqlite3Connection).all(message.sql, message.params));
          port?.postMessage({ kind: "rows", id, readId: message.readId, rows, statements: logged.splice(0) } satisfies FromWriterThread);
        } else if (message.kind === "finish" && message.statements) {
          const { statements } = message;
          const text = [...statements.map(({ sql, params }) => inlineParameters(sql, params)), "commit"].join(";\n");
          const started = Date.now();
          await exec(connection, text);
          // Written as one text: its time is the commit's.
          logged.push(...statements.map(({ sql }) => ({ sql, took: 0 })), { sql: "commit", took: Date.now() - started });
          port?.postMessage({ kind: "written", id, statements: logged } satisfies FromWriterThread);
          return;
        } else {
          await timed("rollback", () => exec(connection, "rollback"));
          port?.postMessage({ kind: "written", id, statements: logged } satisfies FromWriterThread);
          return;
        }
      }
    } catch (error) {
      if (db) await exec(db, "rollback").catch(() => undefined);
      const { message: text, code } = error as { message: string; code?: string };
      port?.postMessage({ kind: "failed", id, statements: [...logged, { sql: "rollback", took: 0 }], error: { message: text, code } } satisfies FromWriterThread);
    }
  }

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

/** A session's messages, taken one at a time as its transaction runs. */
class Inbox {
  private readonly messages: Array<Exclude<SessionMessage, { kind: "begin" }>> = [];
  private wake: (() => void) | null = null;

  push(message: SessionMessage): void {
    if (message.kind === "begin") return;
    this.messages.push(message);
    this.wake?.();
  }

  /** The next message; fails after `limitMs` without one (the serving thread lost track of the session). */
  async next(limitMs: number): Promise<Exclude<SessionMessage, { kind: "begin" }>> {
    if (this.messages.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message for the write session in ${limitMs} ms: rolled back`)), limitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.messages.shift() as Exclude<SessionMessage, { kind: "begin" }>;
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
