import { MikroORM, TextType, Type, type Options } from "@mikro-orm/core";
import { Migrator } from "@mikro-orm/migrations";
import type { DatabaseConfig } from "../config";
import { bindStore } from "../domain/ports/store";
import { bindRateLimiters } from "../domain/ports/rate-limits";
import { IdgraphPostgreSqlDriver, postgresDriverWith, splitPostgresConnections } from "./postgres/driver";
import { withMigrationLock } from "./postgres/migration-lock";
import { POSTGRES_SESSION_SETTINGS } from "./postgres/session-settings";
import { PostgresStore } from "./postgres/postgres-store";
import { rateLimitersFor } from "./rate-limit";
import { beginTransactionsImmediately } from "./sqlite/immediate-transactions";
import { withSqliteMigrationLock } from "./sqlite/migration-lock";
import { IdgraphSqliteDriver } from "./sqlite/driver";
import { SqliteStore } from "./sqlite/sqlite-store";
import { SQLITE_PRAGMAS } from "./sqlite/pragmas";
import { ALL_ENTITIES } from "./entities";
import { SQLITE_MIGRATIONS } from "../../migrations/sqlite";
import { POSTGRES_MIGRATIONS } from "../../migrations/postgres";

/** Minimal shape of the sqlite3 connection handed to the pool's afterCreate hook. */
interface SqliteConnectionHandle {
  exec(sql: string, callback: (error: Error | null) => void): void;
}

/** MikroORM's own read connections; the store's hand-written reads have readers of their own (sqlite/driver.ts). */
const READ_CONNECTIONS = 3;

/** Minimal shape of the pg client handed to the pool's afterCreate hook. */
interface PostgresConnectionHandle {
  query(sql: string, callback: (error: Error | null) => void): void;
}

/** PostgreSQL connections per process unless DATABASE_POOL_SIZE says otherwise: enough for parallel reads and a writer, few enough for a fleet. */
export const DEFAULT_POSTGRES_POOL_SIZE = 10;

export interface OrmOptions {
  debug?: boolean;
  /** Receives every SQL statement; the bench and the N+1 tests count them. */
  onQuery?: (sql: string) => void;
}

/** The migrations of one database, written for its dialect from the same entities. */
function migrationsOf(kind: DatabaseConfig["kind"]): Options["migrations"] {
  return {
    migrationsList: kind === "sqlite" ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS,
    // Where `npm run migration:create` writes a new migration (then list it in that folder's index.ts).
    path: `migrations/${kind}`,
    pathTs: `migrations/${kind}`,
    emit: "ts",
    transactional: true,
    allOrNothing: true,
    snapshot: false,
  };
}

const DISCOVERY = { disableDynamicFileAccess: true, requireEntitiesArray: true };

function sqliteOptions(path: string): Options {
  return {
    driver: IdgraphSqliteDriver,
    dbName: path,
    // One connection: SQLite serialises writers anyway, and one connection means transactions
    // queue in the pool instead of failing with SQLITE_BUSY.
    pool: {
      min: 1,
      max: 1,
      // A query waiting this long for the connection means a deadlock (a query outside the
      // transaction that holds it): fail loudly instead of hanging.
      acquireTimeoutMillis: 30_000,
      afterCreate: (conn: SqliteConnectionHandle, done: (error: Error | null, conn: unknown) => void) => {
        conn.exec(SQLITE_PRAGMAS, (error) => done(error, conn));
      },
    },
    // Readers in parallel: WAL lets other connections read while the one writer writes, so
    // queries outside a transaction go to these read connections (MikroORM "read replicas" of the
    // same file) and never queue behind a write. Each sees every committed write at once.
    replicas: Array.from({ length: READ_CONNECTIONS }, (_, i) => ({ name: `read-${i + 1}` })),
    preferReadReplicas: true,
  };
}

function postgresOptions(url: string, poolSize = DEFAULT_POSTGRES_POOL_SIZE): Options {
  const connections = splitPostgresConnections(poolSize);
  return {
    driver: postgresDriverWith(connections.readers),
    clientUrl: url,
    // PostgreSQL runs transactions side by side: MikroORM's reads and writes share one pool; the
    // store's reads outside transactions have readers of their own (postgres/driver.ts).
    pool: {
      min: 1,
      max: connections.pool,
      acquireTimeoutMillis: 30_000,
      afterCreate: (conn: PostgresConnectionHandle, done: (error: Error | null, conn: unknown) => void) => {
        conn.query(POSTGRES_SESSION_SETTINGS, (error) => done(error, conn));
      },
    },
    discovery: {
      ...DISCOVERY,
      // Strings are `text`, as on SQLite, not varchar(255): the domain bounds what it stores
      // (domain/validate.ts, json-limits.ts), and a 300-character displayName an IdP sends must
      // not become a database error on one database and be stored on the other.
      getMappedType: (type, platform) => (type === "string" ? Type.getType(TextType) : platform.getDefaultMappedType(type)),
    },
  };
}

export function ormConfig(database: DatabaseConfig, options: OrmOptions = {}): Options {
  const onQuery = options.onQuery;
  return {
    entities: ALL_ENTITIES,
    extensions: [Migrator],
    discovery: DISCOVERY,
    migrations: migrationsOf(database.kind),
    forceUtcTimezone: true,
    colors: false,
    debug: onQuery ? ["query"] : Boolean(options.debug),
    logger: onQuery ? (message: string) => onQuery(message) : () => undefined,
    allowGlobalContext: false,
    // Commands flush explicitly (domain/command.ts), so nothing relies on a query flushing first.
    // In "auto" mode, and with propagation on the prototype, MikroORM gives every property of every
    // new entity an accessor, defined on the instance at its first write (and its helper made
    // then): that cost a create more than its insert. No relation here has an inverse side to
    // propagate to, and change sets come from the snapshot taken when an entity is loaded.
    flushMode: "commit",
    propagationOnPrototype: false,
    ...(database.kind === "sqlite" ? sqliteOptions(database.path) : postgresOptions(database.url, database.poolSize)),
  };
}

/**
 * Opens the database and binds the DirectoryStore that speaks its SQL, so the domain finds it from
 * any EntityManager of this ORM (domain/ports/store.ts storeOf).
 */
export async function openOrm(database: DatabaseConfig, options: OrmOptions = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormConfig(database, options));
  if (database.kind === "sqlite") beginTransactionsImmediately(orm);
  bindStore(orm.config, database.kind === "sqlite" ? new SqliteStore() : new PostgresStore());
  bindRateLimiters(orm.config, rateLimitersFor(orm, database.kind));
  return orm;
}

/**
 * Applies every pending migration; returns the names applied. Several processes may start at once
 * on one database: they take turns on a lock (an advisory lock on PostgreSQL, a lock file beside
 * the SQLite file), so each migration is applied exactly once.
 */
export async function migrateToLatest(orm: MikroORM): Promise<string[]> {
  const up = async () => (await orm.getMigrator().up()).map((m) => m.name);
  const url = orm.config.get("clientUrl");
  if (orm.em.getDriver() instanceof IdgraphPostgreSqlDriver && url) return withMigrationLock(url, up);
  return withSqliteMigrationLock(orm.config.get("dbName") as string, up);
}
