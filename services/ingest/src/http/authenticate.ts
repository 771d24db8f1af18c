import { sha256Hex, UnauthorizedError, verifySecret } from "@beklijf/core";
import { type ConnectionView, findConnectionByKey } from "@beklijf/db";
import type { Request } from "express";

import type { IngestDeps } from "../deps";

/**
 * Verified secrets are remembered briefly, so scrypt runs once per key, not per request. The row is
 * still read on every request, so disabling a connection takes effect at once.
 */
const CACHE_TTL_MS = 60_000;

export interface Authenticator {
  authenticate(req: Request): Promise<ConnectionView>;
}

/** HTTP Basic with a connection's key and secret (what Moodle, Learning Locker and Open edX send). */
export function createAuthenticator(
  deps: Pick<IngestDeps, "db">,
): Authenticator {
  const verified = new Map<
    string,
    { secretDigest: string; secretHash: string; until: number }
  >();
  return {
    async authenticate(req) {
      const header = req.get("authorization");
      if (header === undefined)
        throw new UnauthorizedError(
          "Send the connection's key and secret with HTTP Basic authentication.",
          "CREDENTIALS_MISSING",
        );
      const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
      if (match?.[1] === undefined)
        throw new UnauthorizedError(
          "Only HTTP Basic authentication is accepted here.",
          "CREDENTIALS_UNSUPPORTED",
        );
      const decoded = Buffer.from(match[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const key = colon < 0 ? decoded : decoded.slice(0, colon);
      const secret = colon < 0 ? "" : decoded.slice(colon + 1);
      const digest = sha256Hex(secret);
      const connection = await findConnectionByKey(deps.db, key);
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
      if (!connection.enabled)
        throw new UnauthorizedError(
          "This connection is disabled; enable it in the console.",
          "CONNECTION_DISABLED",
        );
      if (!known)
        verified.set(key, {
          secretDigest: digest,
          secretHash: connection.secretHash,
          until: Date.now() + CACHE_TTL_MS,
        });
      return connection;
    },
  };
}
