/**
 * When to retry a webhook delivery that failed.
 *
 * After the n-th failed attempt the step is baseDelayMs × 2^(n−1), capped at maxDelayMs. The wait
 * is "equal jitter": half the step fixed, the other half random, so a receiver that was down for
 * everyone is not hit by all its queued deliveries at the same instant when it comes back, and no
 * retry comes sooner than half its step. Once the next attempt would fall after firstAttemptAt +
 * windowMs the delivery is given up.
 *
 * With DEFAULT_RETRY_SCHEDULE the steps are 5 s, 10 s, 20 s, 40 s, 80 s, 160 s, 320 s, 640 s,
 * 1 280 s, 2 560 s, then 1 h from the 11th failure on (each wait between half the step and all of
 * it). The doubling part takes 43 to 85 minutes; the rest of the three days is retried every 30 to
 * 60 minutes: 81 to 153 attempts in all before giving up.
 */
export interface RetrySchedule {
  /** The wait after the first failure, before jitter. */
  baseDelayMs: number;
  /** The longest step; doubling stops here. */
  maxDelayMs: number;
  /** How long after the first attempt a delivery is still tried. */
  windowMs: number;
}

const HOUR_MS = 3_600_000;

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = {
  baseDelayMs: 5_000,
  maxDelayMs: HOUR_MS,
  windowMs: 3 * 24 * HOUR_MS,
};

/**
 * The time of the next attempt after `failedAttempts` failures (1 = the first attempt failed),
 * counted from `now`; null to give up. `random` returns a number in [0, 1), as Math.random does;
 * tests fix it.
 */
export function nextAttemptAt(
  schedule: RetrySchedule,
  firstAttemptAt: Date,
  failedAttempts: number,
  now: Date,
  random: () => number = Math.random,
): Date | null {
  assertValidSchedule(schedule);
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) {
    throw new Error(`failedAttempts counts failures and starts at 1, got ${failedAttempts}`);
  }
  if (Number.isNaN(firstAttemptAt.getTime()) || Number.isNaN(now.getTime())) throw new Error("nextAttemptAt needs valid dates");

  const step = retryStepMs(schedule, failedAttempts);
  // ceil: a Date holds whole milliseconds, and rounding down could land under half the step.
  const waitMs = Math.ceil(step / 2 + (random() * step) / 2);
  const next = now.getTime() + waitMs;
  return next > firstAttemptAt.getTime() + schedule.windowMs ? null : new Date(next);
}

/** The step before jitter: baseDelayMs doubled per failure after the first, capped at maxDelayMs. */
function retryStepMs(schedule: RetrySchedule, failedAttempts: number): number {
  // From 2 ** 1024 on the power is Infinity, which the cap turns back into maxDelayMs.
  return Math.min(schedule.maxDelayMs, schedule.baseDelayMs * 2 ** (failedAttempts - 1));
}

function assertValidSchedule({ baseDelayMs, maxDelayMs, windowMs }: RetrySchedule): void {
  const valid =
    Number.isFinite(baseDelayMs) && Number.isFinite(maxDelayMs) && Number.isFinite(windowMs) && baseDelayMs > 0 && maxDelayMs >= baseDelayMs && windowMs >= 0;
  if (!valid) throw new Error(`invalid retry schedule: ${JSON.stringify({ baseDelayMs, maxDelayMs, windowMs })}`);
}
