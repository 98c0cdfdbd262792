import type { MikroORM } from "@mikro-orm/core";
import type { AbstractSqlConnection } from "@mikro-orm/knex";
import { StoreReaders } from "./sql/readers";

/** How busy one connection pool is right now. */
export interface PoolStats {
  /**
   * `write` (on PostgreSQL the one pool, which MikroORM's reads share), on SQLite a read
   * connection's name (`read-1`, …), or `store-read`: the store's own readers (sql/readers.ts).
   */
  pool: string;
  inUse: number;
  free: number;
  /** Callers waiting for a connection: above zero for long, the pool is the bottleneck. */
  pendingAcquires: number;
  max: number;
}

/**
 * Reads every pool of the ORM at this instant (metrics read it at scrape time; nothing is counted
 * per query). MikroORM opens one knex pool per connection: the writer's, and on SQLite one per
 * read connection (store/orm.ts `replicas`). Group commits acquire from the writer's pool too, so
 * they are in its numbers; the store's reads have readers of their own (`store-read`). A closed ORM
 * has no pools: none are listed.
 */
export function poolStats(orm: MikroORM): PoolStats[] {
  const driver = orm.em.getDriver();
  const names = (orm.config.get("replicas") ?? []).map((replica, i) => replica.name ?? `read-${i + 1}`);
  // The driver keeps its read connections in `replicas` (protected), made in the configured order.
  const replicas = (driver as unknown as { replicas?: AbstractSqlConnection[] }).replicas ?? [];
  const connections: Array<[string, AbstractSqlConnection]> = [
    ["write", driver.getConnection("write") as AbstractSqlConnection],
    ...replicas.map((connection, i): [string, AbstractSqlConnection] => [names[i] ?? `read-${i + 1}`, connection]),
  ];
  const stats: PoolStats[] = [];
  for (const [pool, connection] of connections) {
    const tarn = connection.getKnex().client.pool;
    if (!tarn) continue;
    stats.push({
      pool,
      inUse: tarn.numUsed(),
      free: tarn.numFree(),
      pendingAcquires: tarn.numPendingAcquires(),
      max: (tarn as unknown as { max: number }).max,
    });
  }
  const readers = (driver as { readers?: unknown }).readers;
  if (readers instanceof StoreReaders) stats.push({ pool: "store-read", ...readers.stats() });
  return stats;
}
