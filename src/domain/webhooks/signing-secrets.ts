import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Webhook signing secrets. Unlike API keys (domain/secrets.ts), which are only ever compared and
 * so are stored as hashes, a signing secret must be read back to sign every delivery: it is stored
 * sealed, encrypted at rest with AES-256-GCM under a server key (WEBHOOK_SECRET_KEY). A database
 * leak without that key reveals no secret, and GCM's tag refuses a sealed value that was altered.
 * The endpoint's id is the seal's additional authenticated data: a sealed value opens only for the
 * endpoint it was sealed for, so someone who can write the database but has not the key cannot
 * copy another endpoint's sealed secret into an endpoint of theirs and have its deliveries (which
 * they receive) signed with a secret that other endpoint's receiver trusts.
 */

/** Standard Webhooks' prefix: receivers' libraries strip it and base64-decode the rest. */
const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

const KEY_BYTES = 32;
/** 96-bit IV, the size GCM is specified for (NIST SP 800-38D); a fresh random one per seal. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** v2: bound to its endpoint (AAD). v1, written before, bound to nothing: still opened, and replaced at the next rotation. */
const SEALED_VERSION = "v2";
const UNBOUND_VERSION = "v1";
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** `whsec_` + base64 of 32 random bytes, the form Standard Webhooks' libraries accept. */
export function newSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64");
}

/** Encrypts an endpoint's signing secret for storage: `v2.<iv>.<tag>.<ciphertext>`, each part base64url. */
export function sealSecret(secret: string, key: Buffer, endpointId: string): string {
  assertKeySize(key);
  if (secret === "") throw new Error("refusing to seal an empty webhook signing secret");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(boundTo(endpointId));
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [SEALED_VERSION, ...[iv, tag, ciphertext].map((part) => part.toString("base64url"))].join(".");
}

/**
 * Decrypts what sealSecret wrote for `endpointId`. Errors never quote the sealed value or the
 * secret: they end up in logs.
 */
export function openSealedSecret(sealed: string, key: Buffer, endpointId: string): string {
  assertKeySize(key);
  const { version, iv, tag, ciphertext } = sealedParts(sealed);
  // authTagLength pins the tag to 16 bytes: without it Node 20 and 22 accept a truncated tag (as
  // short as 4 bytes), far easier to forge (DEP0182, a runtime warning from Node 23).
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (version === SEALED_VERSION) decipher.setAAD(boundTo(endpointId));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch (error) {
    // Node's own message, kept as the cause, is a fixed string ("Unsupported state or unable to
    // authenticate data") that cannot tell a wrong key from an altered value: GCM cannot either.
    throw new Error("cannot open sealed webhook signing secret: wrong WEBHOOK_SECRET_KEY, or the stored value was altered or belongs to another endpoint", { cause: error });
  }
}

/**
 * WEBHOOK_SECRET_KEY: 32 bytes as base64 (44 characters, `openssl rand -base64 32`) or hex
 * (64 characters, `openssl rand -hex 32`). The error states only the length it got, never the text.
 */
export function parseSecretKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) {
    const key = Buffer.from(trimmed, "base64");
    // Node ignores stray low bits in the last character; only the canonical spelling is accepted.
    if (key.toString("base64") === trimmed) return key;
  }
  throw new Error(
    `WEBHOOK_SECRET_KEY must be 32 bytes written as base64 (44 characters, \`openssl rand -base64 32\`) ` +
      `or hex (64 characters, \`openssl rand -hex 32\`); got ${trimmed.length} characters that are neither`,
  );
}

/** The additional authenticated data of an endpoint's seal. */
function boundTo(endpointId: string): Buffer {
  if (endpointId === "") throw new Error("a sealed webhook signing secret is bound to an endpoint id");
  return Buffer.from(`idgraph webhook endpoint ${endpointId}`, "utf8");
}

function assertKeySize(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`webhook secret key must be ${KEY_BYTES} bytes for AES-256-GCM, got ${key.length}`);
}

interface SealedParts {
  version: typeof SEALED_VERSION | typeof UNBOUND_VERSION;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function sealedParts(sealed: string): SealedParts {
  const malformed = () => new Error("sealed webhook signing secret is malformed: expected v2.<iv>.<tag>.<ciphertext> (or v1.…) in base64url");
  const [version, ...encoded] = sealed.split(".");
  if ((version !== SEALED_VERSION && version !== UNBOUND_VERSION) || encoded.length !== 3) throw malformed();
  // Buffer.from(…, "base64url") skips characters it does not know: check the alphabet first so an
  // altered value cannot decode to the same bytes and pass.
  if (!encoded.every((part) => BASE64URL.test(part))) throw malformed();
  const [iv, tag, ciphertext] = encoded.map((part) => Buffer.from(part, "base64url"));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw malformed();
  return { version, iv, tag, ciphertext };
}
