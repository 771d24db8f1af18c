import type { ServerResponse } from "node:http";

import { ValidationError } from "@beklijf/core";
import type { RequestHandler } from "express";

import type { IngestDeps } from "../deps";

/** The version this resource answers in; requests may speak any 1.0.x or 2.0.x. */
export const XAPI_VERSION = "1.0.3";

const SUPPORTED_VERSION = /^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/;

/**
 * Statements are stored (`stored` set) a moment before their transaction commits, so "everything
 * stored before T is visible" only holds for a T somewhat in the past. Real milliseconds; a
 * transaction slower than this could still commit a statement older than the header says.
 */
const CONSISTENCY_MARGIN_MS = 2_000;

/**
 * The CORS headers of every answer, as a flat list of names and values (what writeHead takes).
 * Any origin is acceptable only because the credentials travel in the Authorization header.
 */
export const CORS_HEADERS: readonly string[] = [
  "Access-Control-Allow-Origin",
  "*",
  "Access-Control-Expose-Headers",
  "X-Experience-API-Consistent-Through, Last-Modified, X-Experience-API-Version, ETag",
];

/**
 * CORS for content launched in a browser (cmi5 AUs). Any origin is acceptable only because the
 * credentials travel in the Authorization header, never in cookies; so no
 * Access-Control-Allow-Credentials. A preflight is answered here, before authentication.
 */
export function corsForContent(): RequestHandler {
  return (req, res, next) => {
    for (let i = 0; i + 1 < CORS_HEADERS.length; i += 2)
      res.setHeader(CORS_HEADERS[i] ?? "", CORS_HEADERS[i + 1] ?? "");
    if (req.method !== "OPTIONS") {
      next();
      return;
    }
    res
      .set({
        "Access-Control-Allow-Methods": "GET, HEAD, PUT, POST, OPTIONS",
        "Access-Control-Allow-Headers":
          "Authorization, Content-Type, X-Experience-API-Version, If-Match, If-None-Match",
        "Access-Control-Max-Age": "86400",
      })
      .status(204)
      .end();
  };
}

/**
 * The headers every answer of the statement resource carries, errors included (xAPI 1.0.3
 * Communication 2.1.3): the version, and X-Experience-API-Consistent-Through. Mounted before the
 * body parsers, so a body that is too large or not JSON gets them too.
 */
export function statementResourceHeaders(
  deps: Pick<IngestDeps, "clock">,
): RequestHandler {
  return (_req, res, next) => {
    setStatementResourceHeaders(res, deps);
    next();
  };
}

/** Sets the headers of {@link statementResourceHeaders} on one answer. */
export function setStatementResourceHeaders(
  res: ServerResponse,
  deps: Pick<IngestDeps, "clock">,
): void {
  res.setHeader("X-Experience-API-Version", XAPI_VERSION);
  res.setHeader("X-Experience-API-Consistent-Through", consistentThrough(deps));
}

/**
 * The instant up to which every stored statement is visible: now minus the commit margin, in
 * clock time (the time `stored` is written in), so also right when the demo time scale is on.
 */
export function consistentThrough(deps: Pick<IngestDeps, "clock">): string {
  const marginMs = CONSISTENCY_MARGIN_MS * deps.clock.scale;
  return new Date(deps.clock.now().getTime() - marginMs).toISOString();
}

/** Refuses a request without a supported X-Experience-API-Version (400). */
export function requireXapiVersion(): RequestHandler {
  return (req, _res, next) => {
    next(xapiVersionError(req.headers["x-experience-api-version"]));
  };
}

/**
 * The 400 for a request whose X-Experience-API-Version header is missing or not a supported
 * version; undefined when the header is fine.
 */
export function xapiVersionError(
  header: string | string[] | undefined,
): ValidationError | undefined {
  const version = Array.isArray(header) ? header.join(", ") : header;
  if (version !== undefined && SUPPORTED_VERSION.test(version))
    return undefined;
  return new ValidationError(
    `Send the header X-Experience-API-Version (1.0.x or 2.0.x); got ${version === undefined ? "none" : `"${version}"`}.`,
    [],
    "XAPI_VERSION_MISSING",
  );
}
