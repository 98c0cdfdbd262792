import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseConfig } from "../../src/config";
import { createScratchDatabase } from "../../src/store/postgres/scratch-database";

/**
 * Which database this run of the suite tests: SQLite by default; PostgreSQL when `npm test` runs
 * the suite a second time with IDGRAPH_TEST_DATABASE=postgres and TEST_DATABASE_URL naming a
 * server (scripts/with-postgres.sh starts a throwaway one).
 */
export type TestDatabaseKind = DatabaseConfig["kind"];

export function testDatabaseKind(): TestDatabaseKind {
  if (process.env.IDGRAPH_TEST_DATABASE !== "postgres") return "sqlite";
  if (!process.env.TEST_DATABASE_URL) throw new Error("IDGRAPH_TEST_DATABASE=postgres needs TEST_DATABASE_URL (run under scripts/with-postgres.sh)");
  return "postgres";
}

export interface TestDatabase {
  config: DatabaseConfig;
  /** A SQLite path or a postgres URL, as DATABASE_URL takes it (for child processes). */
  url: string;
  dispose(): Promise<void>;
}

/** A fresh, empty database of the kind under test: a temporary SQLite file, or a new database on the PostgreSQL server. */
export async function createTestDatabase(kind: TestDatabaseKind = testDatabaseKind()): Promise<TestDatabase> {
  if (kind === "postgres") {
    const scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL as string, "idgraph_test");
    return { config: { kind: "postgres", url: scratch.url }, url: scratch.url, dispose: scratch.drop };
  }
  const dir = mkdtempSync(join(tmpdir(), "idgraph-test-"));
  const path = join(dir, "idgraph.sqlite");
  return { config: { kind: "sqlite", path }, url: path, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}
