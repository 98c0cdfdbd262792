import type { EntityManager } from "@mikro-orm/core";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Actor } from "../../src/domain/actor";
import { countPlannedChanges } from "../../src/domain/commands/membership-limit";
import { DomainError, RateLimited } from "../../src/domain/errors";
import { bindRateLimiters, type RateCharge, type RateDecision, type RatePolicy } from "../../src/domain/ports/rate-limits";
import { admitRequest, assertMembershipRateSettings, membershipPolicyOf, ratePolicy, rateLimits, type RateLimitName } from "../../src/domain/rate-limits";
import { burstWindowSeconds, PolicyLimiters, retryAfterMs, splitOverflow, type WindowFactory } from "../../src/store/rate-limit/sustained-burst";

const inMemory: WindowFactory = (keyPrefix, points, duration) => new RateLimiterMemory({ keyPrefix, points, duration });

function charged(decision: RateDecision): RateCharge {
  if (!decision.allowed) throw new Error(`refused, retry after ${decision.retryAfterMs} ms`);
  return decision.charge;
}

describe("R per second, bursts of B (two fixed-window counters)", () => {
  // rate-limiter-flexible's memory counters read Date.now() and expire keys with timers: both faked.
  beforeEach(() => jest.useFakeTimers({ now: new Date("2026-11-30T00:00:00.000Z") }));
  afterEach(() => jest.useRealTimers());

  const TWO_BURST_FIVE: RatePolicy = { ratePerSecond: 2, burst: 5 };
  const limiter = () => new PolicyLimiters(inMemory, "test");

  it("lets a whole burst through at once from idle, even one request of B points", async () => {
    expect((await limiter().consume("org", 5, TWO_BURST_FIVE)).allowed).toBe(true);
    const split = limiter();
    expect((await split.consume("org", 3, TWO_BURST_FIVE)).allowed).toBe(true);
    expect((await split.consume("org", 2, TWO_BURST_FIVE)).allowed).toBe(true);
    expect((await split.consume("org", 1, TWO_BURST_FIVE)).allowed).toBe(false);
  });

  it("refuses a request whole and takes nothing for it: a smaller one that fits still passes", async () => {
    const limits = limiter();
    charged(await limits.consume("org", 3, TWO_BURST_FIVE));
    const refused = await limits.consume("org", 3, TWO_BURST_FIVE);
    expect(refused).toEqual({ allowed: false, retryAfterMs: expect.any(Number) });
    charged(await limits.consume("org", 2, TWO_BURST_FIVE));
    expect((await limits.consume("org", 1, TWO_BURST_FIVE)).allowed).toBe(false);
  });

  it("says to retry when the sustained window restarts, and then R points pass while the allowance is spent", async () => {
    const limits = limiter();
    charged(await limits.consume("org", 5, TWO_BURST_FIVE));
    const refused = await limits.consume("org", 2, TWO_BURST_FIVE);
    if (refused.allowed) throw new Error("admitted past the burst");
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(1000);
    jest.advanceTimersByTime(refused.retryAfterMs);
    charged(await limits.consume("org", 2, TWO_BURST_FIVE));
    // The allowance (B − R = 3 per ⌈3/2⌉ = 2 s) is still spent: one more point waits.
    expect((await limits.consume("org", 1, TWO_BURST_FIVE)).allowed).toBe(false);
  });

  it("lets R points through every second, forever", async () => {
    const limits = limiter();
    for (let second = 0; second < 20; second += 1) {
      charged(await limits.consume("org", 2, TWO_BURST_FIVE));
      jest.advanceTimersByTime(1000);
    }
  });

  it("keeps each key's budget apart", async () => {
    const limits = limiter();
    charged(await limits.consume("org-a", 5, TWO_BURST_FIVE));
    charged(await limits.consume("org-b", 5, TWO_BURST_FIVE));
  });

  it("gives refunded points back, from the burst allowance first", async () => {
    const limits = limiter();
    const charge = charged(await limits.consume("org", 5, TWO_BURST_FIVE));
    await limits.refund(charge, 3);
    charged(await limits.consume("org", 3, TWO_BURST_FIVE));
    expect((await limits.consume("org", 1, TWO_BURST_FIVE)).allowed).toBe(false);
  });

  it("does not refund into a window that has ended (the next one would start below zero)", async () => {
    const limits = limiter();
    const charge = charged(await limits.consume("org", 2, TWO_BURST_FIVE));
    jest.advanceTimersByTime(1000);
    await limits.refund(charge, 2);
    charged(await limits.consume("org", 5, TWO_BURST_FIVE));
    expect((await limits.consume("org", 1, TWO_BURST_FIVE)).allowed).toBe(false);
  });

  it("with B = R has no allowance: R per second, refused past it until the window restarts", async () => {
    const policy = { ratePerSecond: 3, burst: 3 };
    const limits = limiter();
    charged(await limits.consume("org", 3, policy));
    const refused = await limits.consume("org", 1, policy);
    expect(refused.allowed).toBe(false);
    jest.advanceTimersByTime(1000);
    charged(await limits.consume("org", 3, policy));
  });

  it("never takes more than a burst in one request", async () => {
    await expect(limiter().consume("org", 6, TWO_BURST_FIVE)).rejects.toThrow(/never fit/);
  });
});

describe("the pure arithmetic", () => {
  it("splits a request between what is left of the sustained window and the allowance", () => {
    expect(splitOverflow(3, 3, 2)).toEqual({ sustained: 2, burst: 1 });
    expect(splitOverflow(5, 2, 2)).toEqual({ sustained: 0, burst: 2 });
    expect(splitOverflow(2, 1, 2)).toEqual({ sustained: 1, burst: 0 });
  });

  it("sizes the allowance's window as the time a token bucket takes to win it back", () => {
    expect(burstWindowSeconds({ ratePerSecond: 100, burst: 500 })).toBe(4);
    expect(burstWindowSeconds({ ratePerSecond: 1_000, burst: 2_000 })).toBe(1);
    expect(burstWindowSeconds({ ratePerSecond: 100, burst: 150 })).toBe(1);
    expect(burstWindowSeconds({ ratePerSecond: 2, burst: 5 })).toBe(2);
  });

  it("says to retry at the first window end after which the request fits", () => {
    const policy = { ratePerSecond: 2, burst: 5 };
    const base = { policy, burstPoints: 3, sustainedUsed: 2, burstUsed: 3 };
    // 2 points fit once the sustained window restarts (300 ms), before the allowance does (1500 ms).
    expect(retryAfterMs({ ...base, points: 2, sustainedResetMs: 300, burstResetMs: 1500 })).toBe(300);
    // 4 points need the allowance back too.
    expect(retryAfterMs({ ...base, points: 4, sustainedResetMs: 300, burstResetMs: 1500 })).toBe(1500);
    // The allowance restarts first and is enough on its own.
    expect(retryAfterMs({ ...base, points: 3, sustainedResetMs: 800, burstResetMs: 100 })).toBe(100);
  });

  it("counts a membership change per member: adds and removes as named, a replacement by its difference", () => {
    expect(countPlannedChanges(null, { add: ["a", "b", "c"], remove: ["d", "e"] })).toBe(5);
    expect(countPlannedChanges(null, { add: ["a", "a"] })).toBe(1);
    expect(countPlannedChanges(["a", "b", "c"], { replaceWith: ["a", "b", "c"] })).toBe(0);
    expect(countPlannedChanges(["a", "b", "c"], { replaceWith: ["b", "c", "d"] })).toBe(2);
    expect(countPlannedChanges(["a", "b"], { removeAll: true })).toBe(2);
    expect(countPlannedChanges(["a", "b"], { removeAll: true, replaceWith: ["a", "x"], remove: ["x"], add: ["y"] })).toBe(2);
    // Read against the list: re-added members and removals of non-members change nothing.
    expect(countPlannedChanges(["a", "b"], { add: ["a", "b", "c"], remove: ["z"] })).toBe(1);
  });
});

describe("policies", () => {
  it("turns a limit off with a rate of 0 and reads a burst below the rate as the rate", () => {
    expect(ratePolicy(0, 500)).toBeNull();
    expect(ratePolicy(100, 50)).toEqual({ ratePerSecond: 100, burst: 100 });
    expect(rateLimits({ membershipRatePerSecond: 100, membershipBurst: 500, credentialRatePerSecond: 0, credentialBurst: 2000 }))
      .toEqual({ membershipDefault: { ratePerSecond: 100, burst: 500 }, credentialRequests: null });
  });

  it("takes an organization's own settings over the server's, each on its own", () => {
    const limits = rateLimits({ membershipRatePerSecond: 100, membershipBurst: 500, credentialRatePerSecond: 0, credentialBurst: 0 });
    expect(membershipPolicyOf({ membershipRatePerSecond: null, membershipBurst: null }, limits)).toEqual({ ratePerSecond: 100, burst: 500 });
    expect(membershipPolicyOf({ membershipRatePerSecond: 5, membershipBurst: 10 }, limits)).toEqual({ ratePerSecond: 5, burst: 10 });
    expect(membershipPolicyOf({ membershipRatePerSecond: 1000, membershipBurst: null }, limits)).toEqual({ ratePerSecond: 1000, burst: 1000 });
    const off = rateLimits({ membershipRatePerSecond: 0, membershipBurst: 0, credentialRatePerSecond: 0, credentialBurst: 0 });
    expect(membershipPolicyOf({ membershipRatePerSecond: null, membershipBurst: null }, off)).toBeNull();
    expect(membershipPolicyOf({ membershipRatePerSecond: 5, membershipBurst: null }, off)).toEqual({ ratePerSecond: 5, burst: 5 });
  });

  it("accepts positive whole settings with a burst no smaller than the rate", () => {
    expect(() => assertMembershipRateSettings({ membershipRatePerSecond: 5, membershipBurst: 10 })).not.toThrow();
    expect(() => assertMembershipRateSettings({ membershipRatePerSecond: null, membershipBurst: null })).not.toThrow();
    for (const settings of [
      { membershipRatePerSecond: 0, membershipBurst: null },
      { membershipRatePerSecond: null, membershipBurst: -1 },
      { membershipRatePerSecond: 1.5, membershipBurst: null },
      { membershipRatePerSecond: 10, membershipBurst: 5 },
    ]) {
      expect(() => assertMembershipRateSettings(settings)).toThrow(DomainError);
    }
  });
});

describe("the per-credential request limit", () => {
  it("admits a credential's burst, then refuses with RateLimited and tells onRejected; another credential is apart", async () => {
    const config = {};
    bindRateLimiters(config, { memberships: new PolicyLimiters(inMemory, "m"), credentialRequests: new PolicyLimiters(inMemory, "c") });
    const em = { config } as unknown as EntityManager;
    const rejected: RateLimitName[] = [];
    const limits = { ...rateLimits({ membershipRatePerSecond: 0, membershipBurst: 0, credentialRatePerSecond: 1, credentialBurst: 2 }), onRejected: (limit: RateLimitName) => void rejected.push(limit) };
    const actor = (id: string): Actor => ({ kind: "api_key", id, organizationId: null, canWrite: true });
    await admitRequest(em, actor("key-1"), limits);
    await admitRequest(em, actor("key-1"), limits);
    const refused = admitRequest(em, actor("key-1"), limits);
    await expect(refused).rejects.toBeInstanceOf(RateLimited);
    await expect(refused).rejects.toMatchObject({ code: "RATE_LIMITED", retryAfterSeconds: 1 });
    expect(rejected).toEqual(["credential"]);
    await admitRequest(em, actor("key-2"), limits);
    // The operator's CLI has no credential, and a limit of 0 is off.
    await admitRequest(em, { kind: "cli", id: null, organizationId: null, canWrite: true }, limits);
    await admitRequest(em, actor("key-1"), rateLimits({ membershipRatePerSecond: 0, membershipBurst: 0, credentialRatePerSecond: 0, credentialBurst: 0 }));
  });
});
