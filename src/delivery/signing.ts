import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";

/**
 * The three headers of a Standard Webhooks delivery (https://www.standardwebhooks.com):
 * `webhook-id` (the message id, the same on every retry so receivers can drop duplicates),
 * `webhook-timestamp` (whole seconds since the epoch) and `webhook-signature`.
 *
 * While an endpoint's secret is being rotated, the old and the new secret both sign: the spec lets
 * the signature header carry several `v1,<base64>` signatures separated by a space, and a receiver
 * accepts the delivery if any one matches the secret it holds, whichever of the two that is.
 *
 * The signature covers `payload` exactly as given: the request body must be these same characters.
 *
 * Signed with node:crypto's HMAC, as the spec defines it: `v1,` + base64(HMAC-SHA256(the secret's
 * bytes, `${id}.${timestamp}.${payload}`)). The `standardwebhooks` package's sign computes the same
 * bytes in JavaScript at five times the cost per delivery; the tests verify every signature with it.
 */
export function signedHeaders(secrets: string[], messageId: string, timestamp: Date, payload: string): Record<string, string> {
  if (secrets.length === 0) throw new Error("a webhook delivery needs at least one signing secret");
  if (messageId === "") throw new Error("a webhook delivery needs a message id");
  if (Number.isNaN(timestamp.getTime())) throw new Error("a webhook delivery needs a valid timestamp");

  const seconds = String(Math.floor(timestamp.getTime() / 1000));
  const signed = `${messageId}.${seconds}.${payload}`;
  const signatures = secrets.map((secret, index) => `v1,${createHmac("sha256", keyOf(secret, index)).update(signed).digest("base64")}`);
  return { "webhook-id": messageId, "webhook-timestamp": seconds, "webhook-signature": signatures.join(" ") };
}

const PREFIX = "whsec_";
/** Decoded keys by secret: a sender signs with a few secrets over and over. Bounded, in case of many endpoints. */
const keys = new Map<string, Buffer>();
const KEYS_KEPT = 1_000;

/**
 * The secret's key bytes. Whether a secret is usable is the `standardwebhooks` package's call (its
 * constructor decodes the secret, once per secret here), so the server never signs with a secret
 * that receivers' libraries would refuse; says which secret of the list is unusable without quoting it.
 */
function keyOf(secret: string, index: number): Buffer {
  let key = keys.get(secret);
  if (key) return key;
  try {
    new Webhook(secret);
  } catch (error) {
    // The library's message, kept as the cause, is a fixed string ("Base64Coder: incorrect padding").
    throw new Error(`webhook signing secret #${index + 1} is not a Standard Webhooks secret (whsec_ + standard base64)`, { cause: error });
  }
  key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, "base64");
  if (keys.size >= KEYS_KEPT) keys.clear();
  keys.set(secret, key);
  return key;
}
