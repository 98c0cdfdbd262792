/**
 * Writes a migration for whatever the entities declare that the migrations do not yet create, for
 * each database: applies every existing migration to a scratch database, diffs it against the
 * entities and writes the difference to migrations/<database>/. Review them, then add each to its
 * folder's index.ts.
 *
 *   npm run migration:create                        # SQLite, and PostgreSQL when TEST_DATABASE_URL is set
 *   scripts/with-postgres.sh npm run migration:create   # both, on a throwaway PostgreSQL
 *   npm run migration:create -- --initial           # a first migration (empty folder)
 */
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import { openOrm, migrateToLatest } from "../src/store/orm";
import { createScratchDatabase } from "../src/store/postgres/scratch-database";

async function writeMigration(orm: MikroORM, folder: string): Promise<void> {
  await migrateToLatest(orm);
  const result = await orm.getMigrator().createMigration(folder, false, process.argv.includes("--initial"));
  if (!result.fileName) console.log(`${folder}: entities and migrations agree, nothing to write.`);
  else console.log(`Wrote ${folder}/${result.fileName}; add it to ${folder}/index.ts`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "idgraph-migration-"));
  const sqlite = await openOrm({ kind: "sqlite", path: join(dir, "scratch.sqlite") });
  try {
    await writeMigration(sqlite, "migrations/sqlite");
  } finally {
    await sqlite.close(true);
    rmSync(dir, { recursive: true, force: true });
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    console.log("migrations/postgres: skipped (set TEST_DATABASE_URL, or run under scripts/with-postgres.sh)");
    return;
  }
  const scratch = await createScratchDatabase(adminUrl, "idgraph_migration");
  const postgres = await openOrm({ kind: "postgres", url: scratch.url });
  try {
    await writeMigration(postgres, "migrations/postgres");
  } finally {
    await postgres.close(true);
    await scratch.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
