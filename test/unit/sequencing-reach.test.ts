import { FULL_PASS_MS, nextReach, passCompleted, sequencingFloor } from "../../src/domain/events/sequence";

/**
 * Every process sequences over all events at its first pass and at least every FULL_PASS_MS after,
 * whoever makes the pass (the dispatcher, the feed, a subscription): the schedule is the sequencing
 * module's, not the dispatcher's, so a process running no dispatcher still reaches late events.
 */
describe("the reach of a process's sequencing passes", () => {
  it("is all events at first, then recent ones until a full pass is FULL_PASS_MS old", () => {
    const t = 10_000_000;
    expect(nextReach(FULL_PASS_MS, t)).toBe("all");
    passCompleted("all", t);
    expect(nextReach(FULL_PASS_MS, t + 1_000)).toBe("recent");
    // A recent pass does not count as a full one.
    passCompleted("recent", t + 30_000);
    expect(nextReach(FULL_PASS_MS, t + FULL_PASS_MS - 1)).toBe("recent");
    expect(nextReach(FULL_PASS_MS, t + FULL_PASS_MS)).toBe("all");
    // A shorter interval (a dispatcher's fullPassMs) asks for one sooner.
    expect(nextReach(500, t + 500)).toBe("all");
  });

  it("looks back RECENT_EVENTS_MS for a recent pass, and without bound for a full one", () => {
    const now = new Date(Date.UTC(2026, 11, 2, 12));
    expect(sequencingFloor("all", now)).toBeNull();
    expect(sequencingFloor("recent", now)).toEqual(new Date(now.getTime() - 10_000));
  });
});
