import { Client } from "pg";

/** The advisory lock every idgraph process takes to migrate one database (any constant; ours). */
const MIGRATION_LOCK_KEY = 7_120_245_001;

/**
 * Runs `work` (applying pending migrations) holding a session-level advisory lock on its own
 * connection: processes of a fleet starting at once on an outdated database take turns, and each
 * after the first finds nothing left to apply, so every migration runs exactly once.
 */
export async function withMigrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}
