import {
  createHmac,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
} from "node:crypto";

import { err, ok, type Result } from "./result";

/**
 * Signed, expiring tokens for links in emails (HMAC-SHA256). The token carries its own claims,
 * so a link needs no database lookup to be checked, and can't be altered without the secret.
 * Format: base64url(JSON claims) "." base64url(signature).
 */
export interface TokenClaims {
  /** What the link does, e.g. "unsubscribe"; a token for one purpose is refused for another. */
  readonly purpose: string;
  /** Subject, e.g. a planned-nudge or person id. */
  readonly sub: string;
  /** Expiry, in Unix seconds. */
  readonly exp: number;
  /** Extra claims (short strings only). */
  readonly data?: Readonly<Record<string, string>>;
}

export type TokenError =
  | { kind: "malformed" }
  | { kind: "bad-signature" }
  | { kind: "expired"; expiredAt: Date }
  | { kind: "wrong-purpose"; purpose: string };

/**
 * Secret -> its key object, made once: `createHmac` with a string secret imports the key again for
 * every token (the mailer signs several links per email). Few secrets exist (current + previous).
 */
const keys = new Map<string, KeyObject>();

function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (key === undefined) {
    if (keys.size >= 16) keys.clear(); // only a few secrets are ever in use; stay bounded anyway
    key = createSecretKey(secret, "utf8");
    keys.set(secret, key);
  }
  return key;
}

function sign(body: string, secret: string): string {
  return createHmac("sha256", keyOf(secret)).update(body).digest("base64url");
}

export function signToken(claims: TokenClaims, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims), "utf8").toString(
    "base64url",
  );
  return `${body}.${sign(body, secret)}`;
}

/**
 * Checks a token's signature, purpose and expiry. `previousSecrets` are accepted as well as
 * `secret` (links signed before a rotation keep working until they expire).
 */
export function verifyToken(
  token: string,
  options: {
    secret: string;
    previousSecrets?: readonly string[];
    purpose: string;
    now: Date;
  },
): Result<TokenClaims, TokenError> {
  const [body, signature, extra] = token.split(".");
  if (
    body === undefined ||
    signature === undefined ||
    extra !== undefined ||
    body === "" ||
    signature === ""
  ) {
    return err({ kind: "malformed" });
  }
  const given = Buffer.from(signature);
  const signedBy = (secret: string): boolean => {
    const expected = Buffer.from(sign(body, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  if (![options.secret, ...(options.previousSecrets ?? [])].some(signedBy))
    return err({ kind: "bad-signature" });
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    return err({ kind: "malformed" });
  }
  if (!isClaims(claims)) return err({ kind: "malformed" });
  if (claims.purpose !== options.purpose)
    return err({ kind: "wrong-purpose", purpose: claims.purpose });
  if (claims.exp * 1000 <= options.now.getTime())
    return err({ kind: "expired", expiredAt: new Date(claims.exp * 1000) });
  return ok(claims);
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record["purpose"] === "string" &&
    typeof record["sub"] === "string" &&
    typeof record["exp"] === "number"
  );
}
