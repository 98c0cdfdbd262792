/**
 * Where the domain reads the current time. The server runs on the system clock; tests pass a
 * clock they move forward (test/helpers/clock.ts), so token expiry and the credential cache's TTL
 * are proven without sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
