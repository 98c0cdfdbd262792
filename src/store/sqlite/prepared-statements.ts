import type { Row } from "../sql/rows";

/** The parts of node-sqlite3's Database and Statement that the cache uses. */
export interface Sqlite3Statement {
  all(params: unknown[], callback: (error: Error | null, rows: Row[]) => void): void;
  run(params: unknown[], callback: (this: { changes: number }, error: Error | null) => void): void;
  finalize(callback?: () => void): void;
}

export interface Sqlite3Connection {
  prepare(sql: string, callback: (error: Error | null) => void): Sqlite3Statement;
}

const byConnection = new WeakMap<Sqlite3Connection, PreparedStatements>();

/** The prepared statements of one driver connection, made on its first use. */
export function preparedStatementsOf(connection: Sqlite3Connection): PreparedStatements {
  let prepared = byConnection.get(connection);
  if (!prepared) byConnection.set(connection, (prepared = new PreparedStatements(connection)));
  return prepared;
}

/** Enough for every fixed statement plus the filter shapes an IdP actually sends. */
const CAPACITY = 256;

/**
 * Prepared statements of one SQLite connection, least recently used evicted (and finalized).
 * Preparing costs more than an indexed search; the cache makes it once per connection and shape.
 * A connection runs one statement at a time (the pool hands it to one caller), so a cached
 * statement is never bound twice at once.
 */
export class PreparedStatements {
  private readonly statements = new Map<string, Sqlite3Statement>();

  constructor(private readonly connection: Sqlite3Connection) {}

  async all(sql: string, params: unknown[]): Promise<Row[]> {
    const statement = await this.statementFor(sql);
    return new Promise((resolve, reject) =>
      statement.all(params, (error, rows) => (error ? this.fail(sql, error, reject) : resolve(rows))));
  }

  /** Runs a write; resolves with the number of rows it changed. */
  async run(sql: string, params: unknown[]): Promise<number> {
    const statement = await this.statementFor(sql);
    const fail = (error: Error, reject: (e: Error) => void) => this.fail(sql, error, reject);
    return new Promise((resolve, reject) =>
      statement.run(params, function (this: { changes: number }, error) {
        if (error) fail(error, reject);
        else resolve(this.changes);
      }));
  }

  private async statementFor(sql: string): Promise<Sqlite3Statement> {
    const cached = this.statements.get(sql);
    if (cached) {
      // Re-inserted so the Map's order is least recently used first.
      this.statements.delete(sql);
      this.statements.set(sql, cached);
      return cached;
    }
    // node-sqlite3 reports a bad statement only to the prepare callback (calls queued on it are
    // dropped), so the first use waits for the prepare.
    const statement = await new Promise<Sqlite3Statement>((resolve, reject) => {
      const prepared: Sqlite3Statement = this.connection.prepare(sql, (error) => (error ? reject(error) : resolve(prepared)));
    });
    const raced = this.statements.get(sql);
    if (raced) {
      // Another caller prepared the same statement meanwhile: keep one.
      statement.finalize();
      return raced;
    }
    if (this.statements.size >= CAPACITY) this.evict();
    this.statements.set(sql, statement);
    return statement;
  }

  private evict(): void {
    const [oldest] = this.statements.keys();
    this.statements.get(oldest)?.finalize();
    this.statements.delete(oldest);
  }

  /** A statement that failed (bad SQL, constraint) is dropped: the next use prepares it afresh. */
  private fail(sql: string, error: Error, reject: (e: Error) => void): void {
    const statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
      statement.finalize();
    }
    reject(error);
  }
}
