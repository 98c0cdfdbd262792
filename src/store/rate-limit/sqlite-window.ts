import type { AbstractSqlConnection } from "@mikro-orm/knex";
import { RateLimiterRes } from "rate-limiter-flexible";
import RateLimiterStoreAbstract from "rate-limiter-flexible/lib/RateLimiterStoreAbstract";
import { RATE_LIMIT_TABLE } from "../entities/rate-limit-counter";
import type { Row } from "../sql/rows";
import { runPrepared } from "../sqlite/run-sql";

interface CounterRow {
  points: number;
  expire: number | null;
}

/**
 * rate-limiter-flexible's fixed-window counter on SQLite, in the rate_limit_counter table, with
 * the statements of its RateLimiterSQLite. RateLimiterSQLite itself cannot run on MikroORM's pool:
 * - given MikroORM's knex it refuses to start ("Knex must be configured with 'sqlite3'"): it reads
 *   the knex client's name, and MikroORM's is its own dialect class;
 * - its upsert hands the connection back to the pool before its statements have run (a `return`
 *   without `await` inside `try … finally`), so on the one writer connection a command's `BEGIN`
 *   lands inside its SAVEPOINT and fails (tried: "Transaction query already complete").
 * So this runs the same upsert (one statement: atomic on its own, no savepoint needed) on the
 * writer connection, acquired for the statement and released once it has run, prepared once per
 * connection and logged like every store statement. Only the store hooks of the library's
 * RateLimiterStoreAbstract are implemented here; consume, reward and their arithmetic are the
 * library's.
 */
export class SqliteWindowCounter extends RateLimiterStoreAbstract {
  private readonly writer: AbstractSqlConnection;

  constructor(writer: AbstractSqlConnection, options: { keyPrefix: string; points: number; duration: number }) {
    super({ ...options, storeClient: writer });
    this.writer = writer;
  }

  /** The library's contract: the counter after a change, as a RateLimiterRes. */
  _getRateLimiterRes(_rlKey: string, changedPoints: number, row: CounterRow): RateLimiterRes {
    const isFirstInDuration = changedPoints === row.points;
    const consumedPoints = isFirstInDuration ? changedPoints : row.points;
    const msBeforeNext = row.expire ? Math.max(row.expire - Date.now(), 0) : -1;
    return new RateLimiterRes(Math.max(this.points - consumedPoints, 0), msBeforeNext, consumedPoints, isFirstInDuration);
  }

  /** Adds `points` to the key's window, restarting it when it has ended; `forceExpire` sets both outright. */
  async _upsert(rlKey: string, points: number, msDuration: number, forceExpire = false): Promise<CounterRow> {
    const now = Date.now();
    const expire = msDuration > 0 ? now + msDuration : null;
    const [row] = forceExpire
      ? await this.run(`insert or replace into ${RATE_LIMIT_TABLE} (key, points, expire) values (?, ?, ?) returning points, expire`, [rlKey, points, expire])
      : await this.run(
        `insert into ${RATE_LIMIT_TABLE} (key, points, expire) values (?, ?, ?)
         on conflict (key) do update set
           points = case when expire is null or expire > ? then points + excluded.points else excluded.points end,
           expire = case when expire is null or expire > ? then expire else excluded.expire end
         returning points, expire`,
        [rlKey, points, expire, now, now],
      );
    return row as unknown as CounterRow;
  }

  async _get(rlKey: string): Promise<CounterRow | null> {
    const [row] = await this.run(`select points, expire from ${RATE_LIMIT_TABLE} where key = ? and (expire > ? or expire is null)`, [rlKey, Date.now()]);
    return (row as unknown as CounterRow | undefined) ?? null;
  }

  async _delete(rlKey: string): Promise<boolean> {
    const rows = await this.run(`delete from ${RATE_LIMIT_TABLE} where key = ? returning key`, [rlKey]);
    return rows.length > 0;
  }

  private run(sql: string, params: unknown[]): Promise<Row[]> {
    return runPrepared(this.writer, "write", sql, params);
  }
}
