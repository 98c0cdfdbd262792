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
 */
export function signedHeaders(secrets: string[], messageId: string, timestamp: Date, payload: string): Record<string, string> {
  if (secrets.length === 0) throw new Error("a webhook delivery needs at least one signing secret");
  if (messageId === "") throw new Error("a webhook delivery needs a message id");
  if (Number.isNaN(timestamp.getTime())) throw new Error("a webhook delivery needs a valid timestamp");

  const signatures = secrets.map((secret, index) => signerFor(secret, index).sign(messageId, timestamp, payload));
  return {
    "webhook-id": messageId,
    // The same rounding Webhook.sign applies to the signed content: floor to whole seconds.
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

/**
 * Says which secret of the list is unusable. The library's own message, kept as the cause, is a
 * fixed string ("Base64Coder: incorrect padding") that never quotes the secret.
 */
function signerFor(secret: string, index: number): Webhook {
  try {
    return new Webhook(secret);
  } catch (error) {
    throw new Error(`webhook signing secret #${index + 1} is not a Standard Webhooks secret (whsec_ + standard base64)`, { cause: error });
  }
}
