/**
 * The directory's rate limits as rules: which policy applies to a request, and the per-credential
 * request limit checked right after authentication. The counters live behind
 * domain/ports/rate-limits.ts; membership changes are limited in commands/membership-limit.ts.
 */
import type { EntityManager } from "@mikro-orm/core";
import type { Actor } from "./actor";
import { Invalid, RateLimited } from "./errors";
import { rateLimitersOf, type RatePolicy } from "./ports/rate-limits";

export type RateLimitName = "membership" | "credential";

export interface RateLimits {
  /** Membership changes per organization, for organizations that set no rate of their own; null: none. */
  membershipDefault: RatePolicy | null;
  /** Requests per credential to one process; null: off. */
  credentialRequests: RatePolicy | null;
  /** Told of every request a limit refuses (answered 429), e.g. to count them in the server's metrics. */
  onRejected?: (limit: RateLimitName) => void;
}

/** The four numbers of the configuration (config.ts RATE_LIMIT_DEFAULTS): a rate of 0 turns its limit off. */
export interface RateLimitSettings {
  membershipRatePerSecond: number;
  membershipBurst: number;
  credentialRatePerSecond: number;
  credentialBurst: number;
}

export function rateLimits(settings: RateLimitSettings): RateLimits {
  return {
    membershipDefault: ratePolicy(settings.membershipRatePerSecond, settings.membershipBurst),
    credentialRequests: ratePolicy(settings.credentialRatePerSecond, settings.credentialBurst),
  };
}

/** A rate of 0 is no limit; a burst below the rate is the rate (no burst beyond it). */
export function ratePolicy(ratePerSecond: number, burst: number): RatePolicy | null {
  return ratePerSecond > 0 ? { ratePerSecond, burst: Math.max(burst, ratePerSecond) } : null;
}

/** An organization's own membership settings, each null when it uses the server's. */
export interface MembershipRateSettings {
  membershipRatePerSecond: number | null;
  membershipBurst: number | null;
}

/**
 * The membership policy of an organization: its own rate and burst where it set them, the server's
 * otherwise. An organization's rate applies even when the server's default is off.
 */
export function membershipPolicyOf(org: MembershipRateSettings, limits: RateLimits): RatePolicy | null {
  const rate = org.membershipRatePerSecond ?? limits.membershipDefault?.ratePerSecond ?? 0;
  return ratePolicy(rate, org.membershipBurst ?? limits.membershipDefault?.burst ?? rate);
}

/** Settings an organization may be given: positive whole numbers (or null, the server's), a burst no smaller than the rate. */
export function assertMembershipRateSettings(settings: MembershipRateSettings): void {
  for (const [name, value] of Object.entries(settings)) {
    if (value !== null && (!Number.isInteger(value) || value < 1)) throw new Invalid(`${name} must be a whole number of at least 1, or null for the server's default`);
  }
  const { membershipRatePerSecond: rate, membershipBurst: burst } = settings;
  if (rate !== null && burst !== null && burst < rate) {
    throw new Invalid(`membershipBurst (${burst}) must be at least membershipRatePerSecond (${rate}): the burst is how many changes may be made at once`);
  }
}

/**
 * Counts one request against its credential's limit, right after authentication: in this
 * process's memory (no statement), so behind N processes a credential may send N times the limit.
 * Throws RateLimited past it. The operator's CLI has no credential and no limit.
 */
export async function admitRequest(em: EntityManager, actor: Actor, limits: RateLimits): Promise<void> {
  const policy = limits.credentialRequests;
  if (!policy || actor.id === null) return;
  const decision = await rateLimitersOf(em).credentialRequests.consume(actor.id, 1, policy);
  if (!decision.allowed) {
    limits.onRejected?.("credential");
    throw RateLimited.after(`this credential sent more requests than its limit of ${policy.ratePerSecond} per second (bursts of ${policy.burst}) to this server`, decision.retryAfterMs);
  }
}
