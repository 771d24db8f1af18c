import type { IncomingMessage, ServerResponse } from "node:http";

import {
  errorMessage,
  sha256Hex,
  UnauthorizedError,
  verifySecret,
} from "@beklijf/core";
import {
  type ConnectionView,
  findConnectionByBearerToken,
  findConnectionByKey,
  touchConnectionReceived,
} from "@beklijf/db";

import type { IngestDeps } from "../deps";
import { createRateLimiter, RateLimitedError } from "./rate-limit";

/** Verified secrets are remembered briefly, so scrypt runs once per key, not per request. */
const CACHE_TTL_MS = 60_000;

/**
 * How long a connection row read from Postgres is used before it is read again, in ms. Reading it
 * on every request cost a query per statement on the hot path; with this, disabling a connection,
 * rotating its secret or changing its rate limit takes effect on every replica within a second.
 */
export const CONNECTION_ROW_TTL_MS = 1_000;

/** lastReceivedAt is written at most this often per connection, not once per request. */
const LAST_RECEIVED_EVERY_MS = 5_000;

/** The connection each request authenticated as, for the error handler to record rejections. */
export const authenticatedAs = new WeakMap<IncomingMessage, ConnectionView>();

/** A request, with its response when Express has linked them (`req.res`). */
type AnyRequest = IncomingMessage & { res?: ServerResponse };

export interface Authenticator {
  /**
   * The enabled connection the request's credentials belong to, counted against its rate limit.
   * Throws UnauthorizedError (401) or RateLimitedError (429). Remembers the connection for the
   * error handler, and, when the request has its response (`req.res`, as Express sets it), notes
   * the time when it is answered with a 2xx.
   */
  authenticate(req: AnyRequest): Promise<ConnectionView>;
  /**
   * Notes that the connection's request was answered with a 2xx (its lastReceivedAt, written at
   * most every few seconds), for a caller whose request has no `req.res`.
   */
  noteReceived(connection: ConnectionView): void;
  /**
   * The enabled connection the credentials belong to, or null; no rate limit, never throws. For
   * requests refused before they reached authentication (a body too large or not JSON).
   */
  identify(req: IncomingMessage): Promise<ConnectionView | null>;
}

type AuthenticatorDeps = Pick<IngestDeps, "db" | "queues" | "logger" | "clock">;

const authenticators = new WeakMap<AuthenticatorDeps, Authenticator>();

/**
 * HTTP Basic with a connection's key and secret (what Moodle, Learning Locker and Open edX send),
 * or `Authorization: Bearer <token>` with the connection's Bearer token. One per deps object: the
 * app's routes and its error handler share the verified-secret cache and the rate limiter.
 */
export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const existing = authenticators.get(deps);
  if (existing !== undefined) return existing;
  const created = buildAuthenticator(deps);
  authenticators.set(deps, created);
  return created;
}

/**
 * Rows by lookup key, each used for {@link CONNECTION_ROW_TTL_MS}. Concurrent requests for a row
 * that is being read share that one read. Unknown keys are not remembered, so a connection
 * created a moment ago works at once.
 */
function createRowCache(): (
  key: string,
  read: () => Promise<ConnectionView | null>,
) => Promise<ConnectionView | null> {
  const rows = new Map<
    string,
    { row: Promise<ConnectionView | null>; readAtMs: number }
  >();
  return (key, read) => {
    const nowMs = Date.now();
    const cached = rows.get(key);
    if (cached !== undefined && nowMs - cached.readAtMs < CONNECTION_ROW_TTL_MS)
      return cached.row;
    if (rows.size > 10_000)
      for (const [k, v] of rows)
        if (nowMs - v.readAtMs >= CONNECTION_ROW_TTL_MS) rows.delete(k);
    const row = read();
    rows.set(key, { row, readAtMs: nowMs });
    row.then(
      (found) => {
        if (found === null && rows.get(key)?.row === row) rows.delete(key);
      },
      () => {
        if (rows.get(key)?.row === row) rows.delete(key);
      },
    );
    return row;
  };
}

function buildAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const verified = new Map<
    string,
    { secretDigest: string; secretHash: string; until: number }
  >();
  const rowOf = createRowCache();
  const limiter = createRateLimiter(deps);
  const lastTouchedMs = new Map<string, number>();

  const verifyBasic = async (encoded: string): Promise<ConnectionView> => {
    const decoded = Buffer.from(encoded, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const key = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? "" : decoded.slice(colon + 1);
    const digest = sha256Hex(secret);
    const connection = await rowOf(`key:${key}`, () =>
      findConnectionByKey(deps.db, key),
    );
    const cached = verified.get(key);
    const known =
      connection !== null &&
      cached !== undefined &&
      cached.until > Date.now() &&
      cached.secretDigest === digest &&
      cached.secretHash === connection.secretHash;
    if (
      connection === null ||
      (!known && !(await verifySecret(secret, connection.secretHash)))
    )
      throw new UnauthorizedError(
        "Unknown key or wrong secret.",
        "CREDENTIALS_INVALID",
      );
    if (!known)
      verified.set(key, {
        secretDigest: digest,
        secretHash: connection.secretHash,
        until: Date.now() + CACHE_TTL_MS,
      });
    return connection;
  };

  const verify = async (req: IncomingMessage): Promise<ConnectionView> => {
    const header = req.headers.authorization;
    if (header === undefined)
      throw new UnauthorizedError(
        "Send the connection's key and secret with HTTP Basic authentication, or its Bearer token.",
        "CREDENTIALS_MISSING",
      );
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)?.[1];
    if (basic !== undefined) return verifyBasic(basic);
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer === undefined)
      throw new UnauthorizedError(
        "Use HTTP Basic authentication with the connection's key and secret, or its Bearer token.",
        "CREDENTIALS_UNSUPPORTED",
      );
    const connection = await rowOf(`bearer:${sha256Hex(bearer)}`, () =>
      findConnectionByBearerToken(deps.db, bearer),
    );
    if (connection === null)
      throw new UnauthorizedError(
        "Unknown Bearer token.",
        "CREDENTIALS_INVALID",
      );
    return connection;
  };

  const noteReceived = (connection: ConnectionView): void => {
    const nowMs = Date.now();
    if (
      nowMs - (lastTouchedMs.get(connection.id) ?? 0) <
      LAST_RECEIVED_EVERY_MS
    )
      return;
    lastTouchedMs.set(connection.id, nowMs);
    touchConnectionReceived(
      deps.db,
      connection.id,
      deps.clock.now(),
      LAST_RECEIVED_EVERY_MS,
    ).catch((error: unknown) => {
      deps.logger.warn(
        { err: errorMessage(error), connectionId: connection.id },
        "could not note when the connection was last received",
      );
    });
  };

  return {
    async authenticate(req) {
      const connection = await verify(req);
      if (!connection.enabled)
        throw new UnauthorizedError(
          "This connection is disabled; enable it in the console.",
          "CONNECTION_DISABLED",
        );
      authenticatedAs.set(req, connection);
      if (connection.rateLimitPerMinute !== null) {
        const decision = await limiter.consume(
          connection.id,
          connection.rateLimitPerMinute,
        );
        if (!decision.allowed)
          throw new RateLimitedError(
            connection.rateLimitPerMinute,
            decision.retryAfterSeconds,
            decision.firstInWindow,
          );
      }
      const res = req.res;
      res?.once("finish", () => {
        if (res.statusCode >= 200 && res.statusCode < 300)
          noteReceived(connection);
      });
      return connection;
    },
    noteReceived,
    async identify(req) {
      if (req.headers.authorization === undefined) return null;
      try {
        const connection = await verify(req);
        return connection.enabled ? connection : null;
      } catch {
        return null;
      }
    },
  };
}
