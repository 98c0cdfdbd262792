import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { signedHeaders } from "../../src/delivery/signing";
import { newSigningSecret } from "../../src/domain/webhooks/signing-secrets";

// The Standard Webhooks specification's published test vector (also the svix documentation's).
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  messageId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: new Date(1614265330 * 1000),
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const SENT_AT = new Date("2026-11-30T12:00:00.750Z");
const PAYLOAD = JSON.stringify({ type: "user.deactivated", data: { id: "u-1", emails: ["ada@example.com"] } });
const SIGNATURE = /^v1,[A-Za-z0-9+/]{43}=$/;

describe("Standard Webhooks headers", () => {
  // Webhook.verify refuses a timestamp more than five minutes from Date.now(): the clock is fixed
  // at the sending time, as a receiver answering at once would see it.
  beforeEach(() => jest.useFakeTimers({ now: SENT_AT }));
  afterEach(() => jest.useRealTimers());

  it("reproduces the specification's test vector", () => {
    jest.setSystemTime(VECTOR.timestamp);
    const headers = signedHeaders([VECTOR.secret], VECTOR.messageId, VECTOR.timestamp, VECTOR.payload);
    expect(headers).toEqual({
      "webhook-id": VECTOR.messageId,
      "webhook-timestamp": "1614265330",
      "webhook-signature": VECTOR.signature,
    });
    expect(new Webhook(VECTOR.secret).verify(VECTOR.payload, headers)).toEqual({ test: 2432232314 });
  });

  it("signs the bytes standardwebhooks signs: UTF-8 payloads, secrets with and without whsec_", () => {
    const payloads = [PAYLOAD, JSON.stringify({ name: "Zoë Ångström 山田 🚀", quote: "\"\\\u2028" }), ""];
    for (const secret of [newSigningSecret(), newSigningSecret().slice("whsec_".length)]) {
      for (const payload of payloads) {
        const ours = signedHeaders([secret], "msg_utf8", SENT_AT, payload)["webhook-signature"];
        expect(ours).toBe(new Webhook(secret).sign("msg_utf8", SENT_AT, payload));
      }
    }
  });

  it("sends the timestamp in whole seconds, rounded down as the signed content is", () => {
    const headers = signedHeaders([newSigningSecret()], "msg_1", SENT_AT, PAYLOAD);
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(SENT_AT.getTime() / 1000)));
    expect(headers["webhook-timestamp"]).toMatch(/^\d+$/);
  });

  describe("during a secret rotation", () => {
    const oldSecret = newSigningSecret();
    const newSecret = newSigningSecret();
    const headers = () => signedHeaders([oldSecret, newSecret], "msg_rotation", SENT_AT, PAYLOAD);

    it("lists one v1 signature per secret, in order, separated by a single space", () => {
      const signatures = headers()["webhook-signature"].split(" ");
      expect(signatures).toHaveLength(2);
      signatures.forEach((signature) => expect(signature).toMatch(SIGNATURE));
      expect(signatures[0]).toBe(signedHeaders([oldSecret], "msg_rotation", SENT_AT, PAYLOAD)["webhook-signature"]);
      expect(signatures[1]).toBe(signedHeaders([newSecret], "msg_rotation", SENT_AT, PAYLOAD)["webhook-signature"]);
    });

    it("verifies for a receiver still holding the old secret and for one that already has the new", () => {
      expect(new Webhook(oldSecret).verify(PAYLOAD, headers())).toEqual(JSON.parse(PAYLOAD));
      expect(new Webhook(newSecret).verify(PAYLOAD, headers())).toEqual(JSON.parse(PAYLOAD));
    });

    it("does not verify with a third, unrelated secret", () => {
      expect(() => new Webhook(newSigningSecret()).verify(PAYLOAD, headers())).toThrow(WebhookVerificationError);
    });

    it("does not verify once the payload is modified, with either secret", () => {
      const modified = PAYLOAD.replace("u-1", "u-2");
      expect(() => new Webhook(oldSecret).verify(modified, headers())).toThrow(WebhookVerificationError);
      expect(() => new Webhook(newSecret).verify(modified, headers())).toThrow(WebhookVerificationError);
    });

    it("does not verify under another message id or timestamp", () => {
      const replayed = { ...headers(), "webhook-id": "msg_other" };
      expect(() => new Webhook(newSecret).verify(PAYLOAD, replayed)).toThrow(WebhookVerificationError);
      const shifted = { ...headers(), "webhook-timestamp": String(Number(headers()["webhook-timestamp"]) + 1) };
      expect(() => new Webhook(newSecret).verify(PAYLOAD, shifted)).toThrow(WebhookVerificationError);
    });
  });

  it("refuses to sign with no secret at all", () => {
    expect(() => signedHeaders([], "msg_1", SENT_AT, PAYLOAD)).toThrow("at least one signing secret");
  });

  it("names the unusable secret by position, quoting it neither in the message nor in the cause", () => {
    const broken = "whsec_not-base64!";
    let message = "";
    try {
      signedHeaders([newSigningSecret(), broken], "msg_1", SENT_AT, PAYLOAD);
    } catch (error) {
      message = `${(error as Error).message} ${((error as Error).cause as Error).message}`;
    }
    expect(message).toContain("#2");
    expect(message).not.toContain("not-base64");
  });

  it("refuses secrets that are not standard base64 with padding, as standardwebhooks does", () => {
    for (const broken of ["whsec_", "whsec_abc", "whsec_ab-_", "whsec_YWJj ZA=="]) {
      expect(() => signedHeaders([broken], "msg_1", SENT_AT, PAYLOAD)).toThrow("#1 is not a Standard Webhooks secret");
    }
  });
});
