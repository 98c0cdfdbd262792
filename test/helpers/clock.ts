import type { Clock } from "../../src/domain/clock";

/**
 * A stopped clock for the server under test: it reads the same instant until the test moves it,
 * so token expiry and the credential cache's TTL are proven by `advance`, never by sleeping.
 */
export class TestClock implements Clock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  /**
   * Stops the clock at `instant`. Commands still check some times against the system clock
   * (createScimToken: "expiresAt must be in the future"), so a test that creates an expiring
   * credential first sets this clock to the real now.
   */
  set(instant: Date): void {
    this.current = instant.getTime();
  }
}
