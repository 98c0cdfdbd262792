import { DEFAULT_RETRY_SCHEDULE, nextAttemptAt, type RetrySchedule } from "../../src/domain/webhooks/retry-schedule";

const FIRST_ATTEMPT = new Date("2026-11-30T00:00:00.000Z");
const SECOND = 1_000;
const HOUR = 3_600 * SECOND;
const at = (offsetMs: number) => new Date(FIRST_ATTEMPT.getTime() + offsetMs);
const fixed = (value: number) => () => value;

/** The wait before the next attempt, with the failure happening `sinceFirstMs` after the first attempt. */
function waitAfter(failedAttempts: number, random: number, schedule: RetrySchedule = DEFAULT_RETRY_SCHEDULE, sinceFirstMs = 0): number | null {
  const now = at(sinceFirstMs);
  const next = nextAttemptAt(schedule, FIRST_ATTEMPT, failedAttempts, now, fixed(random));
  return next === null ? null : next.getTime() - now.getTime();
}

describe("webhook retry schedule: doubling steps with equal jitter", () => {
  it.each([
    // failures, shortest wait (random 0), longest wait (random 1)
    [1, 2.5 * SECOND, 5 * SECOND],
    [2, 5 * SECOND, 10 * SECOND],
    [3, 10 * SECOND, 20 * SECOND],
    [4, 20 * SECOND, 40 * SECOND],
    [5, 40 * SECOND, 80 * SECOND],
    [6, 80 * SECOND, 160 * SECOND],
    [7, 160 * SECOND, 320 * SECOND],
    [8, 320 * SECOND, 640 * SECOND],
    [9, 640 * SECOND, 1_280 * SECOND],
    [10, 1_280 * SECOND, 2_560 * SECOND],
    [11, HOUR / 2, HOUR],
    [12, HOUR / 2, HOUR],
  ])("after %i failure(s) waits between %i ms and %i ms", (failures, shortest, longest) => {
    expect(waitAfter(failures, 0)).toBe(shortest);
    expect(waitAfter(failures, 1)).toBe(longest);
  });

  it("puts a random draw of one half halfway between the two", () => {
    expect(waitAfter(3, 0.5)).toBe(15 * SECOND);
  });

  it("stays at the cap however many failures, without overflowing", () => {
    expect(waitAfter(50, 1)).toBe(HOUR);
    expect(waitAfter(2_000, 0)).toBe(HOUR / 2);
    const cappedEarly: RetrySchedule = { baseDelayMs: 1_000, maxDelayMs: 3_000, windowMs: HOUR };
    expect([1, 2, 3, 4].map((failures) => waitAfter(failures, 1, cappedEarly))).toEqual([1_000, 2_000, 3_000, 3_000]);
  });

  it("never waits less than the previous failure's shortest wait", () => {
    let previous = 0;
    for (let failures = 1; failures <= 40; failures++) {
      const shortest = waitAfter(failures, 0)!;
      expect(shortest).toBeGreaterThanOrEqual(previous);
      expect(shortest).toBeGreaterThanOrEqual(DEFAULT_RETRY_SCHEDULE.baseDelayMs / 2);
      previous = shortest;
    }
  });

  it("counts the wait from now, not from the first attempt", () => {
    const failedAt = at(10 * HOUR);
    expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 1, failedAt, fixed(1))).toEqual(at(10 * HOUR + 5 * SECOND));
  });

  describe("giving up at the end of the window", () => {
    const window = DEFAULT_RETRY_SCHEDULE.windowMs;

    it("still schedules an attempt that falls exactly on the window's end", () => {
      expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 20, at(window - HOUR), fixed(1))).toEqual(at(window));
    });

    it("gives up when the next attempt would fall one millisecond after it", () => {
      expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 20, at(window - HOUR + 1), fixed(1))).toBeNull();
    });

    it("decides with the jittered time: a short draw may still fit where a long one does not", () => {
      const failedAt = at(window - 45 * 60 * SECOND);
      expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 20, failedAt, fixed(0))).toEqual(at(window - 15 * 60 * SECOND));
      expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 20, failedAt, fixed(1))).toBeNull();
    });

    it("gives up at once when the failure itself came after the window", () => {
      expect(nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, 3, at(window + 1), fixed(0))).toBeNull();
    });

    it("makes 81 to 153 attempts over three days with the defaults", () => {
      const attemptsUntilGivingUp = (random: number) => {
        let now = FIRST_ATTEMPT;
        for (let failures = 1; ; failures++) {
          const next = nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, failures, now, fixed(random));
          if (next === null) return failures;
          now = next;
        }
      };
      expect(attemptsUntilGivingUp(1)).toBe(81);
      expect(attemptsUntilGivingUp(0)).toBe(153);
    });
  });

  it("refuses a failure count below one or not whole", () => {
    for (const failures of [0, -1, 1.5, Number.NaN]) {
      expect(() => nextAttemptAt(DEFAULT_RETRY_SCHEDULE, FIRST_ATTEMPT, failures, FIRST_ATTEMPT)).toThrow("failedAttempts");
    }
  });

  it("refuses a schedule that cannot work", () => {
    const broken: RetrySchedule[] = [
      { baseDelayMs: 0, maxDelayMs: HOUR, windowMs: HOUR },
      { baseDelayMs: 2 * HOUR, maxDelayMs: HOUR, windowMs: HOUR },
      { baseDelayMs: SECOND, maxDelayMs: Number.POSITIVE_INFINITY, windowMs: HOUR },
    ];
    for (const schedule of broken) expect(() => nextAttemptAt(schedule, FIRST_ATTEMPT, 1, FIRST_ATTEMPT)).toThrow("invalid retry schedule");
  });
});
