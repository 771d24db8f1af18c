import { signToken, verifyToken } from "./signed-token";

const secret = "test-secret-of-enough-length-000000";
const now = new Date("2026-03-01T12:00:00Z");
const claims = {
  purpose: "unsubscribe",
  sub: "nudge-1",
  exp: now.getTime() / 1000 + 3600,
};

describe("signed tokens", () => {
  it("signs exactly as before (links already sent keep verifying), non-ASCII secrets included", () => {
    // Tokens issued by the earlier signer (HMAC keyed with the secret string, per token).
    expect(signToken(claims, secret)).toBe(
      "eyJwdXJwb3NlIjoidW5zdWJzY3JpYmUiLCJzdWIiOiJudWRnZS0xIiwiZXhwIjoxNzcyMzcwMDAwfQ.kOSGMGB5ARBmiPb0gKayGaCBfZ-hH45d19rfvcFutKI",
    );
    expect(
      signToken(
        { purpose: "p", sub: "\u00e9", exp: 1, data: { a: "\u00fc" } },
        "s\u00e9cret-\u00fc-000000000000000000000000",
      ),
    ).toBe(
      "eyJwdXJwb3NlIjoicCIsInN1YiI6IsOpIiwiZXhwIjoxLCJkYXRhIjp7ImEiOiLDvCJ9fQ.a8Nj0vysQ8BR-_dCND03X_PcwlyIK5UF5Vb-bs83IPc",
    );
  });

  it("verifies a token it signed", () => {
    const result = verifyToken(signToken(claims, secret), {
      secret,
      purpose: "unsubscribe",
      now,
    });
    expect(result).toEqual({ ok: true, value: claims });
  });

  it("accepts a token signed with a previous secret only when that secret is still listed", () => {
    const before = "the-secret-before-rotation-000000000";
    const token = signToken(claims, before);
    expect(
      verifyToken(token, {
        secret,
        previousSecrets: [before],
        purpose: "unsubscribe",
        now,
      }),
    ).toEqual({ ok: true, value: claims });
    expect(verifyToken(token, { secret, purpose: "unsubscribe", now })).toEqual(
      { ok: false, error: { kind: "bad-signature" } },
    );
  });

  it("refuses a tampered token", () => {
    const token = signToken(claims, secret);
    const [, sig] = token.split(".");
    const forged = `${Buffer.from(JSON.stringify({ ...claims, sub: "nudge-2" })).toString("base64url")}.${sig ?? ""}`;
    expect(
      verifyToken(forged, { secret, purpose: "unsubscribe", now }),
    ).toEqual({ ok: false, error: { kind: "bad-signature" } });
  });

  it("refuses a token signed with another secret, for another purpose, expired or malformed", () => {
    const token = signToken(claims, secret);
    expect(
      verifyToken(token, { secret: "other", purpose: "unsubscribe", now }).ok,
    ).toBe(false);
    expect(verifyToken(token, { secret, purpose: "answer", now })).toEqual({
      ok: false,
      error: { kind: "wrong-purpose", purpose: "unsubscribe" },
    });
    const later = new Date(now.getTime() + 2 * 3600 * 1000);
    const expired = verifyToken(token, {
      secret,
      purpose: "unsubscribe",
      now: later,
    });
    expect(!expired.ok && expired.error.kind).toBe("expired");
    expect(
      verifyToken("nonsense", { secret, purpose: "unsubscribe", now }),
    ).toEqual({ ok: false, error: { kind: "malformed" } });
  });
});
