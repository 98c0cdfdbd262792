/**
 * Storage ceilings: single-row inserts into the real `user` table, one at a time, without HTTP,
 * on the database under test. Each measurement gets a fresh database migrated by the real
 * migrations, so the table, its indexes and its foreign key are those of the server.
 */
import type { MikroORM } from "@mikro-orm/core";
import { newId } from "../../src/store/ids";
import { Organization } from "../../src/store/entities/organization";
import { User } from "../../src/store/entities/user";
import { migrateToLatest, openOrm } from "../../src/store/orm";
import type { BenchDatabase, BenchDatabases } from "../database";
import { openRawConnection, type RawConnection } from "./raw-connection";

/**
 * Every NOT NULL column of `user` without a default, in one statement both databases read:
 * double-quoted identifiers and every value bound. The drivers bind a boolean and a Date as each
 * database stores them, as MikroORM writes them (SQLite: 1 and epoch ms; PostgreSQL: boolean and
 * timestamptz); the JSON columns take '[]' as text on both.
 */
const USER_COLUMNS = ["id", "organization_id", "user_name", "user_name_key", "active", "managed_by", "emails", "phone_numbers",
  "addresses", "photos", "ims", "roles", "entitlements", "x509certificates", "version", "created_at", "updated_at"];

function insertUserSql(raw: RawConnection): string {
  const columns = USER_COLUMNS.map((column) => `"${column}"`).join(", ");
  const values = USER_COLUMNS.map((_, i) => raw.placeholder(i + 1)).join(", ");
  return `insert into "user" (${columns}) values (${values})`;
}

const userRow = (organizationId: string, prefix: string, i: number) => {
  const userName = `${prefix}-${i}@example.com`;
  const now = new Date();
  return [newId(), organizationId, userName, userName.toLowerCase(), true, "ADMIN", "[]", "[]", "[]", "[]", "[]", "[]", "[]", "[]", 1, now, now];
};

/**
 * Unmeasured rows first, counted in rows because JIT tiering goes by calls. Measured here: a cold
 * MikroORM flush starts near 450/s and levels off around 1,000/s only after 3,000–5,000 rows
 * (shared ORM code plus the hydrators each ORM instance generates), so a short run would report
 * half the ceiling. Raw sqlite3 is flat after a few hundred rows.
 */
export const WARM_UP_ROWS = { raw: 1_000, orm: 4_000 };

export interface StorageCeilingOptions {
  databases: BenchDatabases;
  seconds: number;
  /** False inserts no unmeasured rows first (the quick run). */
  warmUp: boolean;
}

/** Calls `insert(i)` one at a time: `warmUpRows` uncounted, then for `seconds`; `rows` is every row inserted. */
async function timed(seconds: number, warmUpRows: number, insert: (i: number) => Promise<void>): Promise<{ rows: number; rowsPerSecond: number }> {
  let rows = 0;
  while (rows < warmUpRows) await insert(rows++);
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) await insert(rows++);
  return { rows, rowsPerSecond: Math.round((rows - warmUpRows) / ((performance.now() - start) / 1000)) };
}

interface FreshDatabase {
  database: BenchDatabase;
  orm: MikroORM;
  organizationId: string;
}

/** Measures in a fresh, migrated database holding one organization, then checks every counted row is in the table. */
async function measureInFreshDatabase(databases: BenchDatabases, name: string, body: (fresh: FreshDatabase) => Promise<{ rows: number; rowsPerSecond: number }>) {
  const database = await databases.create(name);
  try {
    const orm = await openOrm(database.config);
    try {
      await migrateToLatest(orm);
      const organization = new Organization();
      organization.name = "ceiling";
      await orm.em.fork().persistAndFlush(organization);
      const { rows, rowsPerSecond } = await body({ database, orm, organizationId: organization.id });
      const stored = await orm.em.fork().count(User, {});
      if (stored !== rows) throw new Error(`${name}: inserted ${rows} rows but the table holds ${stored}`);
      return { rowsPerSecond };
    } finally {
      await orm.close(true);
    }
  } finally {
    await database.dispose();
  }
}

/** Runs `body` on a raw connection to the fresh database, always closing it. */
async function withRawConnection<T>(fresh: FreshDatabase, body: (raw: RawConnection) => Promise<T>): Promise<T> {
  const raw = await openRawConnection(fresh.orm, fresh.database.config);
  try {
    return await body(raw);
  } finally {
    await raw.close();
  }
}

/**
 * `BEGIN; INSERT; COMMIT` per row: the statements an ORM flush of one entity sends, minus the
 * ORM. The INSERT is sent as text with its values, parsed each time, as knex sends it.
 */
export function measureRawInserts({ databases, seconds, warmUp }: StorageCeilingOptions): Promise<{ rowsPerSecond: number }> {
  return measureInFreshDatabase(databases, "ceiling_raw_transaction", (fresh) =>
    withRawConnection(fresh, (raw) => {
      const sql = insertUserSql(raw);
      return timed(seconds, warmUp ? WARM_UP_ROWS.raw : 0, async (i) => {
        await raw.run("BEGIN");
        await raw.run(sql, userRow(fresh.organizationId, "raw", i));
        await raw.run("COMMIT");
      });
    }));
}

/** One prepared INSERT per row, no explicit transaction (autocommit): the fastest a single-row write gets. */
export function measurePreparedAutocommit({ databases, seconds, warmUp }: StorageCeilingOptions): Promise<{ rowsPerSecond: number }> {
  return measureInFreshDatabase(databases, "ceiling_prepared", (fresh) =>
    withRawConnection(fresh, async (raw) => {
      const statement = raw.prepare(insertUserSql(raw));
      try {
        return await timed(seconds, warmUp ? WARM_UP_ROWS.raw : 0, (i) => statement.run(userRow(fresh.organizationId, "prepared", i)));
      } finally {
        await statement.close();
      }
    }));
}

/** The real entity through MikroORM, a fresh EntityManager per row, as a request handler does. */
export function measureOrmInserts({ databases, seconds, warmUp }: StorageCeilingOptions): Promise<{ rowsPerSecond: number }> {
  return measureInFreshDatabase(databases, "ceiling_orm", ({ orm, organizationId }) =>
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
