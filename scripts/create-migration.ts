/**
 * Writes a migration for whatever the entities declare that the migrations do not yet create:
 * applies every existing migration to a scratch SQLite file, diffs it against the entities and
 * writes the difference to migrations/. Review it, then add it to migrations/index.ts.
 */
import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openOrm, migrateToLatest } from "../src/store/orm";

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "idgraph-migration-"));
  const orm = await openOrm({ kind: "sqlite", path: join(dir, "scratch.sqlite") });
  try {
    await migrateToLatest(orm);
    const result = await orm.getMigrator().createMigration("migrations", false, process.argv[2] === "--initial");
    if (!result.fileName) console.log("Entities and migrations agree: nothing to write.");
    else console.log(`Wrote migrations/${result.fileName}; add it to migrations/index.ts`);
  } finally {
    await orm.close(true);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
