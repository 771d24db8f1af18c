import { type Logger, randomId, toHttpError } from "@beklijf/core";
import type { ErrorRequestHandler, Request } from "express";

/**
 * The error-to-HTTP mapping every beklijf app ends with (via `toHttpError`): expected errors
 * answer with their code and message, anything else is a 500 that shows only the request id and
 * is logged with its stack. 401s carry `WWW-Authenticate: Basic realm="<realm>"`.
 */
export function httpErrorHandler(options: {
  logger: Logger;
  realm: string;
  asJson?: (req: Request) => boolean;
}): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = req.get("x-request-id") ?? randomId();
    const { status, body, expected } = toHttpError(error, requestId);
    if (expected)
      options.logger.info(
        { status, code: body.error.code, path: loggablePath(req.path) },
        "request refused",
      );
    else
      options.logger.error(
        { err: error, requestId, path: loggablePath(req.path) },
        "request failed",
      );
    if (status === 401)
      res.set(
        "WWW-Authenticate",
        `Basic realm="${options.realm}", charset="UTF-8"`,
      );
    if (options.asJson === undefined || options.asJson(req)) {
      res.status(status).json(body);
      return;
    }
    res
      .status(status)
      .type("text/plain")
      .send(
        `${body.error.message}${body.error.requestId === undefined ? "" : ` (request ${body.error.requestId})`}`,
      );
  };
}

/**
 * The request path without the signed tokens of email links (`/a/<token>`, `/p/<token>`,
 * `/u/<token>`): a logged token would let whoever reads the logs act for its recipient.
 */
export function loggablePath(path: string): string {
  return path.replace(/^\/([apu])\/[^/]+/, "/$1/[token]");
}
