import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Credentials look like `idgk_<id>.<secret>` (API keys) and `idgs_<id>.<secret>` (SCIM tokens).
 * The id finds the row; only SHA-256(secret) is stored and it is compared in constant time, so
 * neither a database leak nor response timing reveals a usable secret. The prefix lets secret
 * scanners recognise a leaked credential.
 */
export type CredentialPrefix = "idgk" | "idgs";

const CREDENTIAL_PATTERN = /^(idgk|idgs)_([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedSecret {
  /** The whole credential, shown to its owner once. */
  plaintext: string;
  secretHash: string;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export function issueSecret(prefix: CredentialPrefix, id: string): IssuedSecret {
  const secret = randomBytes(32).toString("base64url");
  return { plaintext: `${prefix}_${id}.${secret}`, secretHash: hashSecret(secret) };
}

export interface ParsedCredential {
  prefix: CredentialPrefix;
  id: string;
  secret: string;
}

export function parseCredential(credential: string): ParsedCredential | null {
  const match = CREDENTIAL_PATTERN.exec(credential.trim());
  if (!match) return null;
  return { prefix: match[1] as CredentialPrefix, id: match[2], secret: match[3] };
}

/** Constant-time comparison of a presented secret against a stored hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

/** Reads `Authorization: Bearer <credential>`; null when absent or of another scheme. */
export function bearerCredential(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
