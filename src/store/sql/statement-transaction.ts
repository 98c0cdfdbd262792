/** One statement of a transaction the store writes by hand. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * `begin`, the statements and `commit` — or `rollback` on any failure, then the error rethrown —
 * each through `run`, which executes it on the caller's connection (and times and logs it). The
 * group commit's transactions on a pooled connection (group-commit.ts) and on SQLite's writer
 * thread (sqlite/writer-thread.ts) both run this way. It imports nothing, so the writer thread
 * loads no ORM.
 */
export async function runStatements(begin: string, statements: Statement[], run: (sql: string, params: unknown[]) => Promise<unknown>): Promise<void> {
  await run(begin, []);
  try {
    for (const statement of statements) await run(statement.sql, statement.params);
    await run("commit", []);
  } catch (error) {
    await run("rollback", []).catch(() => undefined);
    throw error;
  }
}
