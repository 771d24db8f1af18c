import { createHmac, timingSafeEqual } from "node:crypto";

import { ValidationError } from "@beklijf/core";
import type { StatementCursor } from "@beklijf/db";

/** What a `more` token carries: the original query parameters and where the next page starts. */
export interface MoreToken {
  /** The query parameters of the first request, as a query string. */
  readonly query: string;
  readonly after: StatementCursor;
}

/**
 * The key that signs a connection's tokens. Derived from the connection's stored secret hash, so
 * every ingest instance can verify every token without shared configuration, a token only works
 * for the connection it was issued to, and rotating the secret retires its tokens.
 */
export interface TokenKey {
  readonly connectionId: string;
  readonly secretHash: string;
}

function sign(body: string, key: TokenKey): string {
  return createHmac("sha256", `beklijf:more:${key.secretHash}`)
    .update(`${key.connectionId}.${body}`)
    .digest("base64url");
}

/**
 * An opaque `more` token: base64url(JSON) "." HMAC. Everything needed to continue the query is
 * inside, so nothing is stored and it stays usable (the spec asks at least 24 hours) for as long
 * as the connection's secret.
 */
export function encodeMoreToken(token: MoreToken, key: TokenKey): string {
  const body = Buffer.from(
    JSON.stringify({
      q: token.query,
      s: token.after.stored.toISOString(),
      i: token.after.id,
    }),
    "utf8",
  ).toString("base64url");
  return `${body}.${sign(body, key)}`;
}

function tampered(): ValidationError {
  return new ValidationError(
    "The more token is not one this server issued to this connection, or it was changed; start the query again.",
    [],
    "MORE_TOKEN_INVALID",
  );
}

function stringField(value: unknown, name: string): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const found: unknown = Reflect.get(value, name);
  return typeof found === "string" ? found : undefined;
}

/** Reads a token back; a token changed in any way, or issued to another connection, is a 400. */
export function decodeMoreToken(token: string, key: TokenKey): MoreToken {
  const [body, signature, extra] = token.split(".");
  if (
    body === undefined ||
    signature === undefined ||
    extra !== undefined ||
    body === ""
  )
    throw tampered();
  const expected = Buffer.from(sign(body, key));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    throw tampered();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    throw tampered();
  }
  const query = stringField(parsed, "q");
  const stored = stringField(parsed, "s");
  const id = stringField(parsed, "i");
  if (query === undefined || stored === undefined || id === undefined)
    throw tampered();
  const storedAt = new Date(stored);
  if (Number.isNaN(storedAt.getTime())) throw tampered();
  return { query, after: { stored: storedAt, id } };
}
