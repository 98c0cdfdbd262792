import type { Statement } from "./group-commit";
import type { Row } from "./rows";

/**
 * A write transaction that reads, decides and then writes, for a command whose writes depend on
 * what it reads (a membership batch): the write lock is taken first, so what it reads stays true
 * until it commits. Its reads are posted together and answered in order, and its writes go as one
 * message, so the lock is held across two waits of the caller instead of one per statement.
 * SQLite's writer thread has them (sqlite/threaded-writer.ts).
 */
export interface WriteSession {
  /** Rows of a read in the transaction; reads run in the order they are posted. */
  all(sql: string, params: unknown[]): Promise<Row[]>;
  /** Writes `statements` and commits — or, given null, rolls back. Rejects if the session failed at any point. */
  finish(statements: Statement[] | null): Promise<void>;
}
