import { DomainError, RateLimited, type DomainErrorCode, type InvalidReason } from "../domain/errors";
import { VersionMismatch } from "../domain/versions";

/** RFC 7644 §3.12 scimType values. */
export type ScimType =
  | "invalidFilter" | "tooMany" | "uniqueness" | "mutability" | "invalidSyntax"
  | "invalidPath" | "noTarget" | "invalidValue" | "invalidVers" | "sensitive";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** An error answered in the SCIM error format (RFC 7644 §3.12): status, optional scimType, detail. */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    detail: string,
    /** For 429: the Retry-After header, in whole seconds. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(detail);
    this.name = "ScimError";
  }

  static invalidFilter(detail: string): ScimError {
    return new ScimError(400, "invalidFilter", detail);
  }
  static invalidSyntax(detail: string): ScimError {
    return new ScimError(400, "invalidSyntax", detail);
  }
  static invalidPath(detail: string): ScimError {
    return new ScimError(400, "invalidPath", detail);
  }
  static invalidValue(detail: string): ScimError {
    return new ScimError(400, "invalidValue", detail);
  }
  static noTarget(detail: string): ScimError {
    return new ScimError(400, "noTarget", detail);
  }
  static mutability(detail: string): ScimError {
    return new ScimError(400, "mutability", detail);
  }
  static notFound(detail: string): ScimError {
    return new ScimError(404, null, detail);
  }

  toJSON(): Record<string, unknown> {
    return { schemas: [SCIM_ERROR_SCHEMA], status: String(this.status), ...(this.scimType ? { scimType: this.scimType } : {}), detail: this.message };
  }
}

/** Domain error → SCIM status and scimType: the one table for the SCIM surface. */
const BY_CODE: Record<DomainErrorCode, { status: number; scimType: ScimType | null }> = {
  NOT_FOUND: { status: 404, scimType: null },
  CONFLICT: { status: 409, scimType: "uniqueness" },
  INVALID: { status: 400, scimType: "invalidValue" },
  FORBIDDEN: { status: 403, scimType: null },
  UNAUTHENTICATED: { status: 401, scimType: null },
  // RFC 7644 §3.12 defines no scimType for it; RFC 6585 §4: 429 Too Many Requests, with Retry-After.
  RATE_LIMITED: { status: 429, scimType: null },
};

const BY_INVALID_REASON: Record<InvalidReason, ScimType> = {
  value: "invalidValue",
  cycle: "invalidValue",
  mutability: "mutability",
  limit: "invalidValue",
};

export function scimErrorFromDomain(error: DomainError): ScimError {
  // RFC 7644 §3.14: a stale If-Match is 412 Precondition Failed.
  if (error instanceof VersionMismatch) return new ScimError(412, null, error.message);
  const mapped = BY_CODE[error.code];
  const scimType = error.code === "INVALID" && error.reason ? BY_INVALID_REASON[error.reason] : mapped.scimType;
  return new ScimError(mapped.status, scimType, error.message, error instanceof RateLimited ? error.retryAfterSeconds : null);
}
