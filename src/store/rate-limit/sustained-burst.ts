import { RateLimiterRes } from "rate-limiter-flexible";
import type { RateCharge, RateDecision, RateLimiter, RatePolicy } from "../../domain/ports/rate-limits";

/**
 * One fixed-window counter of rate-limiter-flexible (RateLimiterPostgres, SqliteWindowLimiter,
 * RateLimiterMemory): `consume` adds points and rejects with a RateLimiterRes when the window's
 * total passes its points (the points stay added); `reward` takes points back.
 */
export interface WindowCounter {
  consume(key: string, points: number): Promise<RateLimiterRes>;
  reward(key: string, points: number): Promise<RateLimiterRes>;
}

/** Makes the counter of one window: `points` per `durationSeconds` (whole seconds), rows or keys prefixed `keyPrefix`. */
export type WindowFactory = (keyPrefix: string, points: number, durationSeconds: number) => WindowCounter;

/**
 * "R per second sustained, bursts of B", made of two of the library's fixed-window counters, as
 * its BurstyRateLimiter is, with the exact semantics below. BurstyRateLimiter itself does not fit:
 * it has no `reward` (a refused or no-op change must give its points back), and it charges a
 * request that overflows the sustained window wholly to the burst counter, so a single request of
 * more than max(R, B − R) points (a group created with 500 members under 100/500) could never pass.
 *
 * Exact semantics, per key:
 * - the sustained window: at most R points per fixed 1-second window (the first point starts it);
 * - the burst allowance: what a request needs beyond what is left of the current sustained window
 *   comes from an allowance of B − R points per fixed window of ⌈(B − R) / R⌉ seconds (the time a
 *   token bucket of B refilled at R per second takes to win back B − R), started by its first use;
 * - a request is taken whole (its fitting part from the sustained window, the rest from the
 *   allowance) or not at all: a refused request leaves both counters as they were;
 * - so from idle B points pass at once, R per second pass forever, and a client pushing without
 *   pause gets at most R + (B − R) / ⌈(B − R) / R⌉ per second over time (≤ 2R).
 * Windows are fixed, not sliding: up to twice a window's points can pass around its boundary.
 * Counters are shared by every process using the same store (the database), and reads of them are
 * not locked: two requests racing past the limit may each see the other's points for a moment
 * (between a consume and the reward of its overflow) and be refused, never both admitted over it.
 */
export class SustainedBurstLimiter {
  private readonly burstPoints: number;

  constructor(
    private readonly policy: RatePolicy,
    private readonly sustained: WindowCounter,
    private readonly burst: WindowCounter | null,
  ) {
    this.burstPoints = burst ? policy.burst - policy.ratePerSecond : 0;
  }

  static create(policy: RatePolicy, makeWindow: WindowFactory, keyPrefix: string): SustainedBurstLimiter {
    const extra = policy.burst - policy.ratePerSecond;
    return new SustainedBurstLimiter(
      policy,
      makeWindow(`${keyPrefix}:sustained`, policy.ratePerSecond, 1),
      extra > 0 ? makeWindow(`${keyPrefix}:burst`, extra, burstWindowSeconds(policy)) : null,
    );
  }

  async consume(key: string, points: number): Promise<RateDecision> {
    if (points > this.policy.burst) throw new Error(`${points} points can never fit a burst of ${this.policy.burst}`);
    if (points <= 0) return { allowed: true, charge: new WindowCharge(this, key, 0, 0, 0, 0, 0) };
    // Taken before the call, so each window's end is never reckoned later than it is.
    const startedAt = Date.now();
    const taken = await outcome(this.sustained.consume(key, points));
    if (taken.accepted) {
      return { allowed: true, charge: new WindowCharge(this, key, points, points, 0, startedAt + taken.res.msBeforeNext, 0) };
    }
    const split = splitOverflow(taken.res.consumedPoints, points, this.policy.ratePerSecond);
    const sustainedUsed = taken.res.consumedPoints - points;
    if (!this.burst || split.burst > this.burstPoints) {
      await this.sustained.reward(key, points);
      return { allowed: false, retryAfterMs: this.retryAfter(points, sustainedUsed, taken.res.msBeforeNext, 0, 0) };
    }
    const fromBurst = await outcome(this.burst.consume(key, split.burst));
    if (fromBurst.accepted) {
      // The sustained window keeps only what fitted in it; the allowance paid for the rest.
      await this.sustained.reward(key, split.burst);
      return {
        allowed: true,
        charge: new WindowCharge(this, key, points, split.sustained, split.burst, startedAt + taken.res.msBeforeNext, startedAt + fromBurst.res.msBeforeNext),
      };
    }
    await this.burst.reward(key, split.burst);
    await this.sustained.reward(key, points);
    const burstUsed = fromBurst.res.consumedPoints - split.burst;
    return { allowed: false, retryAfterMs: this.retryAfter(points, sustainedUsed, taken.res.msBeforeNext, burstUsed, fromBurst.res.msBeforeNext) };
  }

  /**
   * Gives points back, from the allowance first (the scarcer), then from the sustained window:
   * only while the window they were taken from still runs (REFUND_MARGIN_MS ahead of its end), since
   * a reward reaching a counter whose window has ended would start the next window below zero.
   */
  async refund(charge: WindowCharge, points: number): Promise<void> {
    const now = Date.now();
    const fromBurst = Math.min(points, charge.burst);
    const fromSustained = Math.min(points - fromBurst, charge.sustained);
    if (this.burst && fromBurst > 0 && now < charge.burstUntil - REFUND_MARGIN_MS) await this.burst.reward(charge.key, fromBurst);
    if (fromSustained > 0 && now < charge.sustainedUntil - REFUND_MARGIN_MS) await this.sustained.reward(charge.key, fromSustained);
  }

  private retryAfter(points: number, sustainedUsed: number, sustainedResetMs: number, burstUsed: number, burstResetMs: number): number {
    return retryAfterMs({ points, policy: this.policy, burstPoints: this.burstPoints, sustainedUsed, sustainedResetMs, burstUsed, burstResetMs });
  }
}

/** A refund closer than this to the end of its window is skipped (clocks of a fleet and round trips differ by a few ms). */
const REFUND_MARGIN_MS = 50;

/** What a charge took from each counter, and until when each of those windows runs (this process's clock). */
class WindowCharge implements RateCharge {
  constructor(
    /** The limiter whose counters it was taken from, which gives it back. */
    readonly limiter: SustainedBurstLimiter,
    readonly key: string,
    readonly points: number,
    readonly sustained: number,
    readonly burst: number,
    readonly sustainedUntil: number,
    readonly burstUntil: number,
  ) {}
}

/** The burst allowance's window: ⌈(B − R) / R⌉ whole seconds (stores keep expiry in whole milliseconds). */
export function burstWindowSeconds(policy: RatePolicy): number {
  return Math.max(1, Math.ceil((policy.burst - policy.ratePerSecond) / policy.ratePerSecond));
}

/**
 * How a request of `points` that took the sustained window's total to `totalAfter` splits: what
 * fitted in the window (up to R) and what the burst allowance must pay.
 */
export function splitOverflow(totalAfter: number, points: number, ratePerSecond: number): { sustained: number; burst: number } {
  const before = totalAfter - points;
  const fits = Math.min(points, Math.max(0, ratePerSecond - before));
  return { sustained: fits, burst: points - fits };
}

export interface RetryInput {
  points: number;
  policy: RatePolicy;
  /** B − R, or 0 when there is no burst allowance. */
  burstPoints: number;
  /** Points each counter holds (without the refused request) and milliseconds until its window ends (≤ 0: not started). */
  sustainedUsed: number;
  sustainedResetMs: number;
  burstUsed: number;
  burstResetMs: number;
}

/**
 * When a refused request would fit if nothing else were taken meanwhile: the first window end
 * after which the sustained window's room plus the allowance's room holds it. The last window end
 * always does (points ≤ B), so a client that waits this long and retries is not refused again for
 * its own sake.
 */
export function retryAfterMs(input: RetryInput): number {
  const { points, policy, burstPoints } = input;
  const roomAt = (ms: number) =>
    (ms >= input.sustainedResetMs ? policy.ratePerSecond : Math.max(0, policy.ratePerSecond - input.sustainedUsed)) +
    (ms >= input.burstResetMs ? burstPoints : Math.max(0, burstPoints - input.burstUsed));
  const ends = [input.sustainedResetMs, input.burstResetMs].map((ms) => Math.max(0, ms)).sort((a, b) => a - b);
  return ends.find((ms) => roomAt(ms) >= points) ?? ends[ends.length - 1];
}

/**
 * "R per second, bursts of B" limiters, one per distinct policy (organizations may each set their
 * own), built on demand from one kind of window counter. Limiters whose state is in a store are
 * cheap to rebuild, so past MAX_POLICIES distinct policies the cache starts over; the memory-backed
 * one is only ever asked with the server's one policy.
 */
export class PolicyLimiters implements RateLimiter {
  private readonly byPolicy = new Map<string, SustainedBurstLimiter>();

  constructor(
    private readonly makeWindow: WindowFactory,
    private readonly keyPrefix: string,
  ) {}

  consume(key: string, points: number, policy: RatePolicy): Promise<RateDecision> {
    return this.limiterFor(policy).consume(key, points);
  }

  refund(charge: RateCharge, points: number): Promise<void> {
    if (!(charge instanceof WindowCharge)) throw new Error("a charge is refunded by the limiter that made it");
    return points > 0 ? charge.limiter.refund(charge, points) : Promise.resolve();
  }

  private limiterFor(policy: RatePolicy): SustainedBurstLimiter {
    const id = `${policy.ratePerSecond}/${policy.burst}`;
    let limiter = this.byPolicy.get(id);
    if (!limiter) {
      if (this.byPolicy.size >= MAX_POLICIES) this.byPolicy.clear();
      limiter = SustainedBurstLimiter.create(policy, this.makeWindow, this.keyPrefix);
      this.byPolicy.set(id, limiter);
    }
    return limiter;
  }
}

const MAX_POLICIES = 1_000;

/** A consume's RateLimiterRes, whether the window accepted it or not; a store failure stays an error. */
async function outcome(consumed: Promise<RateLimiterRes>): Promise<{ accepted: boolean; res: RateLimiterRes }> {
  try {
    return { accepted: true, res: await consumed };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { accepted: false, res: rejection };
    throw rejection;
  }
}
