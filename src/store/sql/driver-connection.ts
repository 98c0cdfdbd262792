import type { AbstractSqlConnection } from "@mikro-orm/knex";

/**
 * Runs `work` on one driver connection (sqlite3's Database, node-postgres' Client) taken from the
 * pool behind `connection`, and gives it back whatever happens. The store's hand-written paths
 * (prepared reads, group commits, rate-limit counters) run straight on the driver this way: the
 * pool hands the connection to this caller alone, so a statement prepared on it is never bound
 * twice at once.
 */
export async function onDriverConnection<C, T>(connection: AbstractSqlConnection, work: (driver: C) => Promise<T>): Promise<T> {
  const client = connection.getKnex().client;
  const driver = (await client.acquireConnection()) as C;
  try {
    return await work(driver);
  } finally {
    await client.releaseConnection(driver);
  }
}
