/**
 * Storage ceilings: single-row inserts into the real `user` table, one at a time, without HTTP.
 * Each measurement gets a fresh file migrated by the real migrations, so the table, its indexes
 * and its foreign key are those of the server.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/knex";
import type { Database } from "sqlite3";
import { newId } from "../../src/store/ids";
import { Organization } from "../../src/store/entities/organization";
import { User } from "../../src/store/entities/user";
import { migrateToLatest, openOrm } from "../../src/store/orm";

/** Every NOT NULL column of `user` without a default, valued as MikroORM writes them (JSON text, dates as epoch ms). */
const INSERT_USER = `insert into \`user\` (\`id\`, \`organization_id\`, \`user_name\`, \`user_name_key\`, \`active\`, \`managed_by\`,
  \`emails\`, \`phone_numbers\`, \`addresses\`, \`photos\`, \`ims\`, \`roles\`, \`entitlements\`, \`x509certificates\`,
  \`version\`, \`created_at\`, \`updated_at\`) values (?, ?, ?, ?, 1, 'ADMIN', '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]', 1, ?, ?)`;

const userRow = (organizationId: string, prefix: string, i: number) => {
  const userName = `${prefix}-${i}@example.com`;
  const now = Date.now();
  return [newId(), organizationId, userName, userName.toLowerCase(), now, now];
};

/** A fresh, migrated database in `dir` holding one organization. */
async function freshDatabase(dir: string, name: string): Promise<{ orm: MikroORM; organizationId: string }> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.sqlite`);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  const orm = await openOrm({ kind: "sqlite", path });
  await migrateToLatest(orm);
  const em = orm.em.fork();
  const organization = new Organization();
  organization.name = "ceiling";
  await em.persistAndFlush(organization);
  return { orm, organizationId: organization.id };
}

/**
 * Unmeasured rows first, counted in rows because JIT tiering goes by calls. Measured here: a cold
 * MikroORM flush starts near 450/s and levels off around 1,000/s only after 3,000–5,000 rows
 * (shared ORM code plus the hydrators each ORM instance generates), so a short run would report
 * half the ceiling. Raw sqlite3 is flat after a few hundred rows.
 */
export const WARM_UP_ROWS = { raw: 1_000, orm: 4_000 };

/** Calls `insert(i)` one at a time: `warmUpRows` uncounted, then for `seconds`; `rows` is every row inserted. */
async function timed(seconds: number, warmUpRows: number, insert: (i: number) => Promise<void>): Promise<{ rows: number; rowsPerSecond: number }> {
  let rows = 0;
  while (rows < warmUpRows) await insert(rows++);
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) await insert(rows++);
  return { rows, rowsPerSecond: Math.round((rows - warmUpRows) / ((performance.now() - start) / 1000)) };
}

async function countUsers(orm: MikroORM): Promise<number> {
  return orm.em.fork().count(User, {});
}

/**
 * Runs `body` on the ORM's own sqlite3 connection: the same driver copy knex loads, with the
 * pragmas its pool's afterCreate set (src/store/orm.ts), so nothing is restated here that could
 * drift. The pool has one connection, so the ORM issues nothing while we hold it.
 */
async function withRawConnection<T>(orm: MikroORM, body: (db: Database) => Promise<T>): Promise<T> {
  const client = (orm.em as SqlEntityManager).getKnex().client;
  const db = (await client.acquireConnection()) as Database;
  try {
    // Fail instead of measuring another configuration if the ORM's pragmas ever stop applying.
    const mode = await query<{ journal_mode: string }>(db, "PRAGMA journal_mode");
    const sync = await query<{ synchronous: number }>(db, "PRAGMA synchronous");
    if (mode.journal_mode !== "wal" || sync.synchronous !== 1) {
      throw new Error(`raw connection is not WAL + synchronous=NORMAL (got ${mode.journal_mode}, ${sync.synchronous})`);
    }
    return await body(db);
  } finally {
    await client.releaseConnection(db);
  }
}

const query = <T>(db: Database, sql: string) =>
  new Promise<T>((resolve, reject) => db.get(sql, (error: Error | null, row: T) => (error ? reject(error) : resolve(row))));

const run = (db: Database, sql: string, params: unknown[] = []) =>
  new Promise<void>((resolve, reject) => db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())));

/** Measures in a fresh database, then checks every counted row is in the table. */
async function measureInFreshDatabase(dir: string, name: string, body: (orm: MikroORM, organizationId: string) => Promise<{ rows: number; rowsPerSecond: number }>) {
  const { orm, organizationId } = await freshDatabase(dir, name);
  try {
    const { rows, rowsPerSecond } = await body(orm, organizationId);
    const stored = await countUsers(orm);
    if (stored !== rows) throw new Error(`${name}: inserted ${rows} rows but the table holds ${stored}`);
    return { rowsPerSecond };
  } finally {
    await orm.close(true);
  }
}

/**
 * `BEGIN; INSERT; COMMIT` per row: the statements an ORM flush of one entity sends, minus the
 * ORM. The INSERT goes through `db.run(sql)`, compiled each time, as knex sends it.
 */
export function measureRawInserts(dir: string, seconds: number, warmUp = true): Promise<{ rowsPerSecond: number }> {
  return measureInFreshDatabase(dir, "ceiling-raw-transaction", (orm, organizationId) =>
    withRawConnection(orm, (db) =>
      timed(seconds, warmUp ? WARM_UP_ROWS.raw : 0, async (i) => {
        await run(db, "BEGIN");
        await run(db, INSERT_USER, userRow(organizationId, "raw", i));
        await run(db, "COMMIT");
      })));
}

/** One prepared INSERT per row, no explicit transaction: the fastest a single-row write gets. */
export function measurePreparedAutocommit(dir: string, seconds: number, warmUp = true): Promise<{ rowsPerSecond: number }> {
  return measureInFreshDatabase(dir, "ceiling-prepared-autocommit", (orm, organizationId) =>
    withRawConnection(orm, async (db) => {
      const statement = db.prepare(INSERT_USER);
      try {
        return await timed(seconds, warmUp ? WARM_UP_ROWS.raw : 0, (i) => new Promise<void>((resolve, reject) =>
          statement.run(userRow(organizationId, "prepared", i), (error: Error | null) => (error ? reject(error) : resolve()))));
      } finally {
        await new Promise<void>((resolve) => statement.finalize(() => resolve()));
      }
    }));
}

/** The real entity through MikroORM, a fresh EntityManager per row, as a request handler does. */
export function measureOrmInserts(dir: string, seconds: number, warmUp = true): Promise<{ rowsPerSecond: number }> {
  return measureInFreshDatabase(dir, "ceiling-orm", (orm, organizationId) =>
    timed(seconds, warmUp ? WARM_UP_ROWS.orm : 0, async (i) => {
      const em = orm.em.fork();
      const user = new User();
      user.organization = em.getReference(Organization, organizationId);
      user.userName = `orm-${i}@example.com`;
      user.userNameKey = user.userName.toLowerCase();
      em.persist(user);
      await em.flush();
    }));
}
