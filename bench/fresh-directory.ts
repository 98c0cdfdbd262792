import type { MikroORM } from "@mikro-orm/core";
import { migrateToLatest, openOrm } from "../src/store/orm";
import type { Child } from "./ceilings/child";
import type { BenchDatabaseKind, BenchDatabases } from "./database";
import { startIdgraph } from "./idgraph-process";
import { peakRssMegabytes, rssMegabytes } from "./memory";
import type { Target } from "./scenarios/scim";
import { createBenchTenant, type BenchTenant } from "./tenant";

/** An empty directory of one tenant on a database of its own, the ORM open on it for seeding, and its own server. */
export interface FreshDirectory {
  kind: BenchDatabaseKind;
  orm: MikroORM;
  tenant: BenchTenant;
  server: Child;
  target: Target;
}

/** What a scenario on a fresh directory returns, with its server's memory at the end of the server's life. */
export interface OnFreshDirectory<R> {
  result: R;
  /** VmRSS when the scenario ended. */
  rssMB: number;
  /** VmHWM: the most the server was resident at any moment of its life. */
  peakRssMB: number;
}

/**
 * Runs a scenario that starts from an empty directory, as a new customer's first sync would: a
 * fresh database, migrated, one tenant, and a server process that lives for this scenario only,
 * so its peak RSS is this scenario's. The server and the ORM are closed whatever happens.
 */
export async function onFreshDirectory<R>(
  databases: BenchDatabases, name: string, run: (directory: FreshDirectory) => Promise<R>, serverEnv: Record<string, string> = {},
): Promise<OnFreshDirectory<R>> {
  const database = await databases.create(name);
  const orm = await openOrm(database.config);
  let server: Child | undefined;
  try {
    await migrateToLatest(orm);
    const tenant = await createBenchTenant(orm, name);
    server = await startIdgraph(database.url, serverEnv);
    const target: Target = { url: server.url, scimToken: tenant.scimToken, apiKey: tenant.apiKey };
    const result = await run({ kind: databases.kind, orm, tenant, server, target });
    return { result, rssMB: rssMegabytes(server.pid), peakRssMB: peakRssMegabytes(server.pid) };
  } finally {
    await server?.stop();
    await orm.close(true);
    await database.dispose();
  }
}
