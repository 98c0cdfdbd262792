import type { Worker } from "node:worker_threads";
import type { Statement } from "../sql/group-commit";
import type { Row } from "../sql/rows";
import type { WriteSession } from "../sql/write-session";
import { startWorkerScript } from "../../worker-script";
import type { FromWriterThread, ToWriterThread, WriterThreadData } from "./writer-thread";

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

interface WaitingRead {
  session: number;
  resolve: (rows: Row[]) => void;
  reject: (error: Error) => void;
}

/**
 * Write transactions on a thread of their own (writer-thread.ts): write sessions (session()), and
 * group commits, which are sessions with nothing to read — the serving thread posts their
 * statements and gets one answer. Written on the
 * serving thread's own connection, each statement was a round trip through the thread pool and
 * back to that thread, queued behind whatever else it had to do, with the file's one write lock
 * held throughout: ~5 ms for a transaction of ~7 creates whose SQLite work is ~0.3 ms, while every
 * other writer, of this process or another, waited. The serving thread also no longer runs a
 * callback per statement.
 *
 * Started on the first transaction; closed with the database. Should the thread die, the
 * transactions it held fail (whether they committed is unknown, as when a process dies) and the
 * next one starts a new thread.
 */
export class SqliteWriterThread {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly reads = new Map<number, WaitingRead>();

  constructor(
    private readonly path: string,
    private readonly log: (sql: string, context: { took: number }) => void,
    /** How long a write session may go without a message before the thread rolls it back (a lost session must not hold the lock). */
    private readonly sessionIdleLimitMs = 10_000,
  ) {}

  /** Runs `statements` in one transaction: all of them, or none (the error rethrown, with SQLite's code). */
  transaction(statements: Statement[]): Promise<void> {
    // A session with nothing to read: the thread writes BEGIN, the statements and COMMIT as one text.
    return this.session().finish(statements);
  }

  /** Opens a write session (sql/write-session.ts): it runs after the transactions and sessions posted before it. */
  session(): WriteSession {
    const id = this.nextId++;
    const worker = this.started();
    const ended = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // A session that fails before its finish is asked for rejects `ended` with no one awaiting yet.
    ended.catch(() => undefined);
    worker.postMessage({ kind: "begin", id } satisfies ToWriterThread);
    return {
      all: (sql, params) => new Promise<Row[]>((resolve, reject) => {
        const readId = this.nextId++;
        this.reads.set(readId, { session: id, resolve, reject });
        worker.postMessage({ kind: "read", id, readId, sql, params } satisfies ToWriterThread);
      }),
      finish: (statements) => {
        worker.postMessage({ kind: "finish", id, statements } satisfies ToWriterThread);
        return ended;
      },
    };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    // Messages are answered in order: "closed" comes after every transaction posted before it.
    await new Promise<void>((resolve) => {
      worker.on("message", (message: FromWriterThread) => message.kind === "closed" && resolve());
      worker.once("exit", () => resolve());
      worker.postMessage({ kind: "close" } satisfies ToWriterThread);
    });
    await worker.terminate();
  }

  private started(): Worker {
    // threadId is -1 once the thread has stopped, which may be before its "exit" event.
    if (this.worker && this.worker.threadId !== -1) return this.worker;
    const workerData: WriterThreadData = { path: this.path, sessionIdleLimitMs: this.sessionIdleLimitMs };
    const worker = startWorkerScript(__dirname, "writer-thread", { workerData });
    // Idle, it does not keep the process alive; the database's close closes it.
    worker.unref();
    worker.on("message", (message: FromWriterThread) => this.answered(message));
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const pending of [this.waiting, this.reads]) {
        for (const [id, { reject }] of pending) {
          pending.delete(id);
          reject(new Error(`the SQLite writer thread ${why}`));
        }
      }
    };
    worker.on("error", (error) => lost(`failed (${error.message})`));
    worker.on("exit", (code) => lost(`exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private answered(message: FromWriterThread): void {
    if (message.kind === "closed") return;
    for (const { sql, ...context } of message.statements) this.log(sql, context);
    if (message.kind === "rows") {
      this.reads.get(message.readId)?.resolve(message.rows);
      this.reads.delete(message.readId);
      return;
    }
    const waiting = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if (message.kind === "written") {
      waiting?.resolve();
      return;
    }
    const error = Object.assign(new Error(message.error.message), { code: message.error.code });
    waiting?.reject(error);
    for (const [readId, read] of this.reads) {
      if (read.session !== message.id) continue;
      this.reads.delete(readId);
      read.reject(error);
    }
  }
}
