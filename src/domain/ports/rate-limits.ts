import type { EntityManager } from "@mikro-orm/core";

/**
 * "`ratePerSecond` sustained, bursts of `burst`": the shape of every rate limit the directory
 * keeps (membership changes per organization, requests per credential). `burst` ≥ `ratePerSecond`.
 * store/rate-limit/sustained-burst.ts says exactly how the two numbers are enforced.
 */
export interface RatePolicy {
  ratePerSecond: number;
  burst: number;
}

/** Points taken from one key's budget, to give back (some of) them when less was used. */
export interface RateCharge {
  readonly key: string;
  readonly points: number;
}

export type RateDecision =
  | { allowed: true; charge: RateCharge }
  /** Nothing was taken; the points may fit again after `retryAfterMs`. */
  | { allowed: false; retryAfterMs: number };

/** One kind of rate limit: budgets per key (an organization id, a credential id), each under the policy the caller names. */
export interface RateLimiter {
  /**
   * Takes `points` from `key`'s budget under `policy`, or takes nothing and says when to retry.
   * `points` is at most `policy.burst` (more could never fit). A database-backed limiter runs its
   * own statements on a pooled connection: never call it inside a transaction (on SQLite the one
   * writer connection is the transaction's, and the call would wait for it forever).
   */
  consume(key: string, points: number, policy: RatePolicy): Promise<RateDecision>;
  /** Gives back up to `points` of a charge, while the windows it was taken from last (later they are gone anyway). */
  refund(charge: RateCharge, points: number): Promise<void>;
}

export interface RateLimiters {
  /** Membership changes per organization, counted in the database: every process of a fleet shares them. */
  memberships: RateLimiter;
  /** Requests per credential, counted in this process's memory (a database counter would be a write per read). */
  credentialRequests: RateLimiter;
}

const limiters = new WeakMap<object, RateLimiters>();

/** Ties rate limiters to an ORM's configuration, as bindStore does for the store (store/orm.ts openOrm). */
export function bindRateLimiters(config: object, bound: RateLimiters): void {
  limiters.set(config, bound);
}

export function rateLimitersOf(em: EntityManager): RateLimiters {
  const bound = limiters.get(em.config);
  if (!bound) throw new Error("no rate limiters are bound to this EntityManager's ORM (open it with store/orm.ts openOrm)");
  return bound;
}
