import { Entity, PrimaryKey, Property } from "@mikro-orm/core";

export const RATE_LIMIT_TABLE = "rate_limit_counter";

/**
 * One fixed-window counter of a rate limit kept in the database (store/rate-limit): the table
 * rate-limiter-flexible's SQL limiters read and write — these columns, in this order (its
 * PostgreSQL upsert inserts by position). Declared as an entity so the migrations create it and
 * the schema check covers it; nothing loads it through the ORM. Rows are reused when their window
 * ends (the upsert restarts them), so there are at most a few per organization.
 */
@Entity({ tableName: RATE_LIMIT_TABLE })
export class RateLimitCounter {
  /** `<limit>:<window>:<key>`, e.g. `membership:sustained:<organization id>`. */
  @PrimaryKey({ type: "string" })
  key!: string;

  /** Points taken in the current window. */
  @Property({ type: "integer", default: 0 })
  points: number = 0;

  /** When the window ends, in epoch milliseconds. */
  @Property({ type: "bigint", nullable: true })
  expire: string | null = null;
}
