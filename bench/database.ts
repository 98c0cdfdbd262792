/**
 * The databases a bench run works on, whichever kind it measures: each one (the big directory,
 * the small one, the sync's, each storage ceiling's) is fresh and empty, and every one still
 * existing is removed by dropAll() at the end of the run, failed or not.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import type { DatabaseConfig } from "../src/config";
import { createScratchDatabase } from "../src/store/postgres/scratch-database";

export type BenchDatabaseKind = DatabaseConfig["kind"];

/** Where a run's databases live: temporary SQLite files, or new databases on one PostgreSQL server. */
export type BenchDatabaseTarget = { kind: "sqlite" } | { kind: "postgres"; adminUrl: string };

export interface BenchDatabase {
  config: DatabaseConfig;
  /** What the server's DATABASE_URL takes: a SQLite path or a postgres URL. */
  url: string;
  dispose(): Promise<void>;
}

export interface BenchDatabases {
  kind: BenchDatabaseKind;
  /**
   * What the report names as the database: "SQLite", or the PostgreSQL server's version with the
   * settings that decide what a commit costs (a cluster with fsync off measures memory, not disks).
   */
  describe(): Promise<string>;
  /** A fresh, empty database; `name` says what it is for (letters, digits and underscores). */
  create(name: string): Promise<BenchDatabase>;
  /** Removes every database created and not yet disposed of. */
  dropAll(): Promise<void>;
}

export function openBenchDatabases(target: BenchDatabaseTarget): BenchDatabases {
  const make = target.kind === "sqlite" ? sqliteFiles() : postgresScratch(target.adminUrl);
  const live = new Set<BenchDatabase>();
  return {
    kind: target.kind,
    describe: () => make.describe(),
    async create(name) {
      const made = await make.create(name);
      const database: BenchDatabase = {
        ...made,
        dispose: async () => {
          if (!live.delete(database)) return;
          await made.dispose();
        },
      };
      live.add(database);
      return database;
    },
    async dropAll() {
      // Each is dropped even when another cannot be: one failure must not leave the rest behind.
      for (const database of [...live]) await database.dispose().catch((error: Error) => console.error(`could not drop a bench database: ${error.message}`));
      await make.cleanUp();
    },
  };
}

interface DatabaseMaker {
  describe(): Promise<string>;
  create(name: string): Promise<BenchDatabase>;
  cleanUp(): Promise<void>;
}

/** SQLite: one file per database (with its -wal and -shm) in a temporary folder of the run. */
function sqliteFiles(): DatabaseMaker {
  const dir = mkdtempSync(join(tmpdir(), "idgraph-bench-"));
  return {
    describe: async () => "SQLite",
    async create(name) {
      const path = join(dir, `${name}.sqlite`);
      return {
        config: { kind: "sqlite", path },
        url: path,
        dispose: async () => {
          for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
        },
      };
    },
    cleanUp: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** PostgreSQL: a new database per name on the server `adminUrl` names, dropped with (force). */
function postgresScratch(adminUrl: string): DatabaseMaker {
  return {
    async describe() {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        const show = async (setting: string) => (await client.query<Record<string, string>>(`show ${setting}`)).rows[0][setting];
        // Debian's build says "15.18 (Debian 15.18-1)": the number is enough.
        const version = (await show("server_version")).split(" ")[0];
        return `PostgreSQL ${version} (fsync ${await show("fsync")}, synchronous_commit ${await show("synchronous_commit")})`;
      } finally {
        await client.end();
      }
    },
    async create(name) {
      const scratch = await createScratchDatabase(adminUrl, `idgraph_bench_${name}`);
      return { config: { kind: "postgres", url: scratch.url }, url: scratch.url, dispose: scratch.drop };
    },
    cleanUp: async () => undefined,
  };
}

/**
 * `--db` and `--database-url` → where the run's databases live. A PostgreSQL run needs a server it
 * may create databases on: the URL given, else TEST_DATABASE_URL (scripts/with-postgres.sh sets it).
 */
export function benchDatabaseTarget(db: string, databaseUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): BenchDatabaseTarget {
  if (db === "sqlite") {
    if (databaseUrl) throw new Error("--database-url is for --db postgres: a SQLite run makes its own temporary files");
    return { kind: "sqlite" };
  }
  if (db !== "postgres") throw new Error(`--db ${db}: expected sqlite or postgres`);
  const adminUrl = databaseUrl ?? env.TEST_DATABASE_URL;
  if (!adminUrl) {
    throw new Error("--db postgres needs a server to create its databases on: pass --database-url postgres://user@host:port/postgres, "
      + "set TEST_DATABASE_URL, or run it in a throwaway cluster: FSYNC=on scripts/with-postgres.sh npm run bench -- --db postgres");
  }
  if (!/^postgres(ql)?:\/\//.test(adminUrl)) throw new Error("--database-url: expected a postgres:// or postgresql:// URL");
  return { kind: "postgres", adminUrl };
}
