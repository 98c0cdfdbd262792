import { parentPort, workerData } from "node:worker_threads";
import sqlite3 from "sqlite3";
import type { Statement } from "../sql/group-commit";
import type { Row } from "../sql/rows";
import { inlineParameters } from "./inline-parameters";
import { SQLITE_PRAGMAS } from "./pragmas";
import { preparedStatementsOf, type Sqlite3Connection } from "./prepared-statements";

/** What the serving thread posts to the writer thread. */
export type ToWriterThread = SessionMessage | { kind: "close" };

/**
 * A write transaction (sql/write-session.ts): opened by "begin", its reads (if any) answered in
 * order, ended by "finish" — with the statements to write and commit, or null to roll back. A
 * group commit is a session with nothing to read.
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
 * The writer thread: write transactions (group commits and write sessions), one at a time, on a
 * sqlite3 connection of this thread. A transaction's writes — its statements with their parameters
 * written in as literals (inline-parameters.ts), then `COMMIT` — go to SQLite as one text
 * (`sqlite3_exec`): one job on the thread pool, so the file's write lock is held for SQLite's work
 * alone. Run statement by statement, each was a hop through the pool (shared with every reader)
 * and back, ~0.5 ms apiece on a busy 2-core machine, with the lock held throughout while another
 * process's writer waited: two processes on one file wrote at ~80% of one's rate, and at ~90%
 * written whole. Its statements are a few multi-row INSERTs, DELETEs and UPDATEs, whose parsing
 * costs less than those hops.
 *
 * It is the same sqlite3 (and so the same SQLite) the rest of the process uses: a second copy of
 * SQLite in one process would not see this one's POSIX locks.
 */
function serve(): void {
  const port = parentPort;
  if (!port) throw new Error("writer-thread.ts runs as a worker thread (SqliteWriterThread starts it)");
  const { path, sessionIdleLimitMs } = workerData as WriterThreadData;
  const opened = open(path);
  // Sessions run one after the other, in the order they were opened; a session's messages wait
  // in its inbox until its turn comes.
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
   * `BEGIN IMMEDIATE` before the session's first read, each read answered as it is run (prepared
   * once on this connection), then "finish": its statements and `COMMIT` as one text — with the
   * `BEGIN` in the same text when nothing was read (a group commit) — or `ROLLBACK`. Any failure
   * rolls back and ends the session with one "failed" answer.
   */
  async function session(id: number, inbox: Inbox): Promise<void> {
    const logged: LoggedStatement[] = [];
    let db: sqlite3.Database | null = null;
    let begun = false;
    try {
      db = await opened;
      const connection = db;
      for (;;) {
        const message = await inbox.next(sessionIdleLimitMs);
        if (message.kind === "read") {
          if (!begun) {
            logged.push({ sql: "begin immediate", took: await timed(() => exec(connection, "begin immediate")) });
            begun = true;
          }
          const reader = preparedStatementsOf(connection as unknown as Sqlite3Connection);
          const started = Date.now();
          const rows = await reader.all(message.sql, message.params);
          logged.push({ sql: message.sql, took: Date.now() - started });
          port?.postMessage({ kind: "rows", id, readId: message.readId, rows, statements: logged.splice(0) } satisfies FromWriterThread);
          continue;
        }
        if (message.statements) {
          const writes = message.statements;
          // Logged before they run, so a failure's log shows them too; written as one text, their time is the commit's.
          if (!begun) logged.push({ sql: "begin immediate", took: 0 });
          logged.push(...writes.map(({ sql }) => ({ sql, took: 0 })));
          const text = [...(begun ? [] : ["begin immediate"]), ...writes.map(({ sql, params }) => inlineParameters(sql, params)), "commit"].join(";\n");
          logged.push({ sql: "commit", took: await timed(() => exec(connection, text)) });
        } else if (begun) {
          logged.push({ sql: "rollback", took: await timed(() => exec(connection, "rollback")) });
        }
        port?.postMessage({ kind: "written", id, statements: logged } satisfies FromWriterThread);
        return;
      }
    } catch (error) {
      // sqlite3_exec stops at the failing statement and leaves the transaction open.
      if (db) await exec(db, "rollback").catch(() => undefined);
      const { message: text, code } = error as { message: string; code?: string };
      port?.postMessage({ kind: "failed", id, statements: [...logged, { sql: "rollback", took: 0 }], error: { message: text, code } } satisfies FromWriterThread);
    }
  }
}

/** How long `work` took, in ms. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

/** A session's messages, taken one at a time as its transaction runs. */
type InSession = Exclude<SessionMessage, { kind: "begin" }>;

class Inbox {
  private readonly messages: InSession[] = [];
  private wake: (() => void) | null = null;

  push(message: InSession): void {
    this.messages.push(message);
    this.wake?.();
  }

  /** The next message; fails after `limitMs` without one (the serving thread lost track of the session). */
  async next(limitMs: number): Promise<InSession> {
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
    return this.messages.shift() as InSession;
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
