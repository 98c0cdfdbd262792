import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";

/**
 * Whether this process may take traffic: the database answers, and its schema is at the latest
 * migration this code knows (a process never serves a schema older than its code). One trivial
 * statement and one read of the migrations table; any failure reads as not ready.
 */
export async function databaseReady(orm: MikroORM): Promise<boolean> {
  try {
    await (orm.em.fork() as SqlEntityManager).getConnection().execute("select 1");
    return (await orm.getMigrator().getPendingMigrations()).length === 0;
  } catch {
    return false;
  }
}
