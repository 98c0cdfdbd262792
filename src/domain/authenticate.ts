/**
 * Credentials → actors. The credential's row is read on every request (one indexed statement,
 * prepared once per connection) and never cached: a revocation, expiry or SCIM switch made through
 * any process of a fleet takes effect on the next request every process serves.
 */
import type { EntityManager } from "@mikro-orm/core";
import { ApiKey, ScimToken } from "../store/entities";
import type { Actor } from "./actor";
import { systemClock, type Clock } from "./clock";
import type { CredentialRecord } from "./ports/records";
import { storeOf } from "./ports/store";
import { parseCredential, secretMatches } from "./secrets";

/** lastUsedAt is refreshed at most this often, so authentication is not a write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The actor for a presented API key, or null when it is unknown, malformed or revoked. */
export async function authenticateApiKey(em: EntityManager, credential: string, clock: Clock = systemClock): Promise<Actor | null> {
  const parsed = parseCredential(credential);
  if (!parsed || parsed.prefix !== "idgk") return null;
  const now = clock.now();
  const key = await storeOf(em).findApiKeyRecord(em, parsed.id);
  if (!key || key.revokedAt || !secretMatches(parsed.secret, key.secretHash)) return null;
  await touchLastUsed(em, ApiKey, key, now);
  return { kind: "api_key", id: key.id, organizationId: key.organizationId, canWrite: key.role === "ADMIN" };
}

/**
 * The actor for a presented SCIM token, or null when it is unknown, malformed, revoked, expired,
 * or its organization has SCIM turned off.
 */
export async function authenticateScimToken(em: EntityManager, credential: string, clock: Clock = systemClock): Promise<Actor | null> {
  const parsed = parseCredential(credential);
  if (!parsed || parsed.prefix !== "idgs") return null;
  const now = clock.now();
  const token = await storeOf(em).findScimTokenRecord(em, parsed.id);
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt <= now)) return null;
  if (!token.scimEnabled) return null;
  if (!secretMatches(parsed.secret, token.secretHash)) return null;
  await touchLastUsed(em, ScimToken, token, now);
  return { kind: "scim_token", id: token.id, organizationId: token.organizationId, canWrite: true };
}

async function touchLastUsed(em: EntityManager, entity: typeof ApiKey | typeof ScimToken, row: CredentialRecord, now: Date): Promise<void> {
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  await em.nativeUpdate(entity as typeof ApiKey, { id: row.id }, { lastUsedAt: now });
}
