import type { MikroORM } from "@mikro-orm/core";
import type { AbstractSqlConnection, SqlEntityManager } from "@mikro-orm/knex";
import { RateLimiterMemory, RateLimiterPostgres } from "rate-limiter-flexible";
import type { DatabaseConfig } from "../../config";
import type { RateLimiters } from "../../domain/ports/rate-limits";
import { RATE_LIMIT_TABLE } from "../entities/rate-limit-counter";
import { SqliteWindowCounter } from "./sqlite-window";
import { PolicyLimiters, type WindowFactory } from "./sustained-burst";

/**
 * The rate limiters of one opened database (store/orm.ts binds them, domain/ports/rate-limits.ts):
 * - membership changes: counters in the rate_limit_counter table (created by the migrations, so
 *   the limiters never create it: `tableCreated`), shared by every process on the database. On
 *   PostgreSQL, rate-limiter-flexible's RateLimiterPostgres on MikroORM's knex pool (it acquires a
 *   connection per statement, runs `INSERT … ON CONFLICT … RETURNING` as a prepared statement and
 *   releases it); on SQLite, the same statements of its RateLimiterSQLite on the writer connection
 *   (sqlite-window.ts says why not RateLimiterSQLite itself). No limiter sweeps expired rows
 *   (`clearExpiredByTimeout` off): a row is restarted when its key comes back, and there are a
 *   few per organization, so a sweep per limiter (one per policy) would only add timers.
 * - requests per credential: RateLimiterMemory, this process's memory only.
 */
export function rateLimitersFor(orm: MikroORM, kind: DatabaseConfig["kind"]): RateLimiters {
  const writer = (orm.em as SqlEntityManager).getConnection("write") as AbstractSqlConnection;
  const inDatabase: WindowFactory = kind === "sqlite"
    ? (keyPrefix, points, duration) => new SqliteWindowCounter(writer, { keyPrefix, points, duration })
    : (keyPrefix, points, duration) => new RateLimiterPostgres({
      storeClient: writer.getKnex(),
      storeType: "knex",
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix,
      points,
      duration,
    });
  const inMemory: WindowFactory = (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration });
  return {
    memberships: new PolicyLimiters(inDatabase, "membership"),
    credentialRequests: new PolicyLimiters(inMemory, "credential"),
  };
}
