import { createCipheriv, randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { newSigningSecret, openSealedSecret, parseSecretKey, sealSecret } from "../../src/domain/webhooks/signing-secrets";

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const ENDPOINT = "0193a000-0000-7000-8000-000000000001";
const OTHER_ENDPOINT = "0193a000-0000-7000-8000-000000000002";

/** A secret sealed as before endpoints were bound (v1: no additional authenticated data). */
function sealedUnbound(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", ...[iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString("base64url"))].join(".");
}

/** The error message a call throws, with its cause's (both reach the logs); fails the test when it throws nothing. */
function thrownMessage(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    const cause = (error as Error).cause;
    return cause instanceof Error ? `${(error as Error).message} (cause: ${cause.message})` : (error as Error).message;
  }
  throw new Error("expected the call to throw");
}

/** Replaces one part (0 = version, 1 = iv, 2 = tag, 3 = ciphertext) with the same bytes, one bit flipped. */
function flipBitIn(sealed: string, part: number): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[part], "base64url");
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

describe("webhook signing secrets", () => {
  it("are whsec_ and 44 base64 characters that decode to 32 bytes", () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(32);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it("are accepted by Standard Webhooks' own library", () => {
    const secret = newSigningSecret();
    expect(() => new Webhook(secret)).not.toThrow();
    expect(new Webhook(secret).sign("msg_1", new Date(), "{}")).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });
});

describe("sealed signing secrets (AES-256-GCM under WEBHOOK_SECRET_KEY)", () => {
  const secret = newSigningSecret();

  it("open to the secret that was sealed", () => {
    expect(openSealedSecret(sealSecret(secret, KEY, ENDPOINT), KEY, ENDPOINT)).toBe(secret);
  });

  it("are written v2.<iv>.<tag>.<ciphertext>, a 12-byte IV and a 16-byte tag in base64url", () => {
    const [version, iv, tag, ciphertext, ...rest] = sealSecret(secret, KEY, ENDPOINT).split(".");
    expect(version).toBe("v2");
    expect(rest).toEqual([]);
    expect(Buffer.from(iv, "base64url")).toHaveLength(12);
    expect(Buffer.from(tag, "base64url")).toHaveLength(16);
    expect(Buffer.from(ciphertext, "base64url")).toHaveLength(Buffer.byteLength(secret));
    for (const part of [iv, tag, ciphertext]) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("use a fresh IV each time: sealing the same secret twice gives two different values", () => {
    const first = sealSecret(secret, KEY, ENDPOINT);
    const second = sealSecret(secret, KEY, ENDPOINT);
    expect(first).not.toBe(second);
    expect(first.split(".")[1]).not.toBe(second.split(".")[1]);
    expect(openSealedSecret(second, KEY, ENDPOINT)).toBe(secret);
  });

  it("sealed before endpoints were bound (v1) still open, for any endpoint", () => {
    expect(openSealedSecret(sealedUnbound(secret, KEY), KEY, ENDPOINT)).toBe(secret);
    expect(openSealedSecret(sealedUnbound(secret, KEY), KEY, OTHER_ENDPOINT)).toBe(secret);
    expect(() => openSealedSecret(sealedUnbound(secret, KEY), OTHER_KEY, ENDPOINT)).toThrow("wrong WEBHOOK_SECRET_KEY");
  });

  describe("refuse to open, without the secret in the message", () => {
    const sealed = sealSecret(secret, KEY, ENDPOINT);
    const expectRefusal = (call: () => unknown, expected: string) => {
      const message = thrownMessage(call);
      expect(message).toContain(expected);
      expect(message).not.toContain(secret);
      expect(message).not.toContain(secret.slice("whsec_".length, 20));
    };

    it("for another endpoint than the one it was sealed for", () => expectRefusal(() => openSealedSecret(sealed, KEY, OTHER_ENDPOINT), "another endpoint"));
    it("when a v2 value is relabelled v1 (to drop the endpoint binding)", () => expectRefusal(() => openSealedSecret(sealed.replace(/^v2\./, "v1."), KEY, ENDPOINT), "altered"));
    it("under another key", () => expectRefusal(() => openSealedSecret(sealed, OTHER_KEY, ENDPOINT), "wrong WEBHOOK_SECRET_KEY"));
    it("when the ciphertext was altered", () => expectRefusal(() => openSealedSecret(flipBitIn(sealed, 3), KEY, ENDPOINT), "altered"));
    it("when the tag was altered", () => expectRefusal(() => openSealedSecret(flipBitIn(sealed, 2), KEY, ENDPOINT), "altered"));
    it("when the IV was altered", () => expectRefusal(() => openSealedSecret(flipBitIn(sealed, 1), KEY, ENDPOINT), "altered"));

    it("when the tag was truncated", () => {
      const [version, iv, tag, ciphertext] = sealed.split(".");
      const truncated = Buffer.from(tag, "base64url").subarray(0, 12).toString("base64url");
      expectRefusal(() => openSealedSecret([version, iv, truncated, ciphertext].join("."), KEY, ENDPOINT), "malformed");
    });

    it("when a character outside base64url was slipped in (Node's decoder would skip it)", () => {
      expectRefusal(() => openSealedSecret(`${sealed}!`, KEY, ENDPOINT), "malformed");
    });

    it.each([
      ["another version", sealed.replace(/^v2\./, "v3.")],
      ["a missing part", sealed.split(".").slice(0, 3).join(".")],
      ["an extra part", `${sealed}.AAAA`],
      ["an empty ciphertext", sealed.replace(/\.[^.]+$/, ".")],
      ["the plaintext secret itself", secret],
    ])("when given %s", (_case, value) => expectRefusal(() => openSealedSecret(value, KEY, ENDPOINT), "malformed"));
  });

  it("need a 32-byte key to seal and to open", () => {
    expect(() => sealSecret(secret, randomBytes(16), ENDPOINT)).toThrow("32 bytes");
    expect(() => openSealedSecret(sealSecret(secret, KEY, ENDPOINT), randomBytes(31), ENDPOINT)).toThrow("32 bytes");
  });

  it("refuse to seal an empty secret", () => {
    expect(() => sealSecret("", KEY, ENDPOINT)).toThrow("empty");
  });
});

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * 32 bytes fill 43 base64 characters with 2 bits to spare: the canonical spelling leaves them zero.
 * Setting one gives another spelling Node still decodes to the same key.
 */
function withStrayLowBits(base64Of32Bytes: string): string {
  const last = BASE64_ALPHABET.indexOf(base64Of32Bytes[42]);
  return base64Of32Bytes.slice(0, 42) + BASE64_ALPHABET[last | 1] + "=";
}

describe("WEBHOOK_SECRET_KEY parsing", () => {
  const key = randomBytes(32);

  it("reads 32 bytes written as base64 (44 characters)", () => {
    expect(parseSecretKey(key.toString("base64")).equals(key)).toBe(true);
  });

  it("reads 32 bytes written as hex (64 characters), in either case", () => {
    expect(parseSecretKey(key.toString("hex")).equals(key)).toBe(true);
    expect(parseSecretKey(key.toString("hex").toUpperCase()).equals(key)).toBe(true);
  });

  it("ignores the newline a file or `openssl rand` output leaves around the key", () => {
    expect(parseSecretKey(`${key.toString("base64")}\n`).equals(key)).toBe(true);
  });

  it.each([
    ["an empty value", ""],
    ["16 bytes of base64", randomBytes(16).toString("base64")],
    ["48 bytes of base64 (64 characters, not hex)", randomBytes(48).toString("base64")],
    ["31 bytes of hex", randomBytes(31).toString("hex")],
    ["base64url spelling", "-_" + key.toString("base64").slice(2)],
    ["base64 without its padding", key.toString("base64").slice(0, 43)],
    ["a non-canonical last character", withStrayLowBits(key.toString("base64"))],
    ["a passphrase", "correct horse battery staple correct horse battery staple"],
  ])("refuses %s, without quoting it", (_case, text) => {
    const message = thrownMessage(() => parseSecretKey(text));
    expect(message).toContain("WEBHOOK_SECRET_KEY must be 32 bytes");
    if (text !== "") expect(message).not.toContain(text);
  });
});
