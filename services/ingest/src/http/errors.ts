import {
  ConflictError,
  errorMessage,
  type Issue,
  randomId,
  toHttpError,
  UnauthorizedError,
  ValidationError,
} from "@beklijf/core";
import { type ConnectionView, recordRejection } from "@beklijf/db";
import { httpErrorHandler } from "@beklijf/runtime";
import type { ErrorRequestHandler, Request, Response } from "express";

import type { IngestDeps } from "../deps";
import { authenticatedAs, createAuthenticator } from "./authenticate";
import { RateLimitedError } from "./rate-limit";

const REALM = "beklijf xAPI";

/** Statuses that are recorded as a rejection of the connection that sent the request. */
const RECORDED = new Set([400, 409, 413]);

/**
 * The one error-to-HTTP mapping of the ingest app: always JSON, as xAPI clients expect. A refusal
 * of an authenticated connection's request (400, 409, 413, and the first 429 of a minute) is
 * recorded for its health page before the answer goes out.
 */
export function errorHandler(
  deps: Pick<IngestDeps, "logger" | "db" | "queues" | "clock" | "metrics">,
): ErrorRequestHandler {
  const fallback = httpErrorHandler({ logger: deps.logger, realm: REALM });
  const auth = createAuthenticator(deps);

  const record = async (
    error: unknown,
    req: Request,
    status: number,
    code: string,
    message: string,
  ): Promise<void> => {
    const rateLimited = error instanceof RateLimitedError;
    if (rateLimited ? !error.firstInWindow : !RECORDED.has(status)) return;
    // A refused statement is what an LMS admin needs to see; a malformed query is not.
    if (!rateLimited && !isStatementWrite(req)) return;
    if (!rateLimited) deps.metrics.count("statements_rejected_total");
    try {
      const connection: ConnectionView | null =
        authenticatedAs.get(req) ?? (await auth.identify(req));
      if (connection === null) return;
      await recordRejection(deps.db, {
        connectionId: connection.id,
        at: deps.clock.now(),
        status,
        code,
        reason: rateLimited
          ? `${message} Later requests in the same minute were refused too.`
          : message,
        ...offending(error, req.body),
      });
    } catch (recordError) {
      deps.logger.warn(
        { err: errorMessage(recordError), path: req.path },
        "could not record a rejection",
      );
    }
  };

  const send = (
    req: Request,
    res: Response,
    status: number,
    body: { error: { code: string; message: string } },
  ): void => {
    deps.logger.info(
      { status, code: body.error.code, path: req.path },
      "request refused",
    );
    res.status(status).json(body);
  };

  const handle = async (
    error: unknown,
    req: Request,
    res: Response,
  ): Promise<boolean> => {
    const { status, body } = toHttpError(
      error,
      req.get("x-request-id") ?? randomId(),
    );
    if (error instanceof RateLimitedError) {
      await record(error, req, 429, error.code, error.message);
      res.set("Retry-After", String(error.retryAfterSeconds));
      send(req, res, 429, {
        error: { code: error.code, message: error.message },
      });
      return true;
    }
    if (status === 413) {
      const message = tooLargeMessage(error);
      await record(error, req, status, body.error.code, message);
      send(req, res, status, { error: { code: body.error.code, message } });
      return true;
    }
    await record(error, req, status, body.error.code, body.error.message);
    if (error instanceof UnauthorizedError) {
      res.set("WWW-Authenticate", [
        `Basic realm="${REALM}", charset="UTF-8"`,
        `Bearer realm="${REALM}"`,
      ]);
      send(req, res, status, body);
      return true;
    }
    return false;
  };

  return (error: unknown, req, res, next) => {
    handle(error, req, res)
      .then((handled) => {
        if (!handled) fallback(error, req, res, next);
      })
      .catch(next);
  };
}

/** What to keep of the body: the statement the first problem is in, and where in it. */
function offending(
  error: unknown,
  body: unknown,
): { path: readonly (string | number)[] | null; statement: unknown } {
  if (error instanceof ValidationError) {
    const first: Issue | undefined = error.issues[0];
    if (first === undefined) return { path: null, statement: body };
    const index = first.path[0];
    if (Array.isArray(body) && typeof index === "number")
      return { path: first.path, statement: body[index] };
    return { path: first.path, statement: body };
  }
  if (error instanceof ConflictError) {
    const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
      .exec(error.message)?.[0]
      ?.toLowerCase();
    const statements: unknown[] = Array.isArray(body) ? body : [body];
    const index = statements.findIndex(
      (s) =>
        typeof s === "object" &&
        s !== null &&
        String(Reflect.get(s, "id")).toLowerCase() === id,
    );
    if (id === undefined || index < 0) return { path: null, statement: body };
    return {
      path: Array.isArray(body) ? [index, "id"] : ["id"],
      statement: statements[index],
    };
  }
  // body-parser keeps the text it could not parse as JSON.
  const raw: unknown =
    typeof error === "object" && error !== null
      ? Reflect.get(error, "body")
      : undefined;
  return { path: null, statement: typeof raw === "string" ? raw : undefined };
}

/** A 413's message with the sizes body-parser saw, e.g. "(3.2 MB) … than the 2.0 MB …". */
function tooLargeMessage(error: unknown): string {
  const limit = numberField(error, "limit");
  const length = numberField(error, "length");
  const actual = length === undefined ? "" : ` (${formatBytes(length)})`;
  const allowed = limit === undefined ? "what" : `the ${formatBytes(limit)}`;
  return `The request body${actual} is larger than ${allowed} this endpoint accepts. Send fewer statements per request.`;
}

function numberField(value: unknown, name: string): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const found: unknown = Reflect.get(value, name);
  return typeof found === "number" && Number.isFinite(found)
    ? found
    : undefined;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} bytes`;
}

/** POST or PUT of statements (including the alternate request syntax's POST ?method=PUT). */
function isStatementWrite(req: Request): boolean {
  return (
    (req.method === "POST" || req.method === "PUT") &&
    req.path.replace(/\/+$/, "").endsWith("/statements")
  );
}
