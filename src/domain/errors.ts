/**
 * Domain errors: neutral of any protocol. `graph/errors.ts` maps the code to a GraphQL
 * `extensions.code`, `scim/errors.ts` to a SCIM status and scimType, each with one table.
 */
export type DomainErrorCode = "NOT_FOUND" | "CONFLICT" | "INVALID" | "FORBIDDEN" | "UNAUTHENTICATED" | "RATE_LIMITED";

/** Finer reason for INVALID errors, so SCIM can pick its scimType without parsing messages. */
export type InvalidReason = "value" | "cycle" | "mutability" | "limit";

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly reason?: InvalidReason,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export class NotFound extends DomainError {
  constructor(message: string) {
    super("NOT_FOUND", message);
  }
  /** The same answer for "does not exist" and "exists in another organization": nothing leaks across tenants. */
  static entity(kind: string, id: string): NotFound {
    return new NotFound(`${kind} ${id} not found`);
  }
}

export class Conflict extends DomainError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

export class Invalid extends DomainError {
  constructor(message: string, reason: InvalidReason = "value") {
    super("INVALID", message, reason);
  }
  static groupCycle(groupName: string, memberName: string): Invalid {
    return new Invalid(`adding group "${memberName}" to "${groupName}" would make a cycle of nested groups`, "cycle");
  }
  static ownedByIdp(kind: string, fields: string[]): Invalid {
    return new Invalid(
      `${fields.join(", ")} of a SCIM-managed ${kind} ${fields.length > 1 ? "are" : "is"} owned by the identity provider; change ${fields.length > 1 ? "them" : "it"} there`,
      "mutability",
    );
  }
}

export class Forbidden extends DomainError {
  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

export class Unauthenticated extends DomainError {
  constructor(message: string) {
    super("UNAUTHENTICATED", message);
  }
}

/** A rate limit refused the request whole (nothing of it was applied); it may pass after `retryAfterSeconds`. */
export class RateLimited extends DomainError {
  constructor(
    message: string,
    /** Whole seconds, at least 1 (HTTP Retry-After has no fractions). */
    readonly retryAfterSeconds: number,
  ) {
    super("RATE_LIMITED", message);
  }

  /** Refused for `reason`; the message ends with when to retry, in the seconds Retry-After says. */
  static after(reason: string, retryAfterMs: number): RateLimited {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return new RateLimited(`${reason}; retry in ${seconds} second${seconds === 1 ? "" : "s"}`, seconds);
  }
}
