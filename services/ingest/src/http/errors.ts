import { randomId, toHttpError } from "@beklijf/core";
import type { ErrorRequestHandler } from "express";

import type { IngestDeps } from "../deps";

/** The one error-to-HTTP mapping of the ingest app. */
export function errorHandler(
  deps: Pick<IngestDeps, "logger">,
): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const requestId = req.get("x-request-id") ?? randomId();
    const { status, body, expected } = toHttpError(error, requestId);
    if (expected)
      deps.logger.info(
        { status, code: body.error.code, path: req.path },
        "request refused",
      );
    else
      deps.logger.error(
        { err: error, requestId, path: req.path },
        "request failed",
      );
    if (status === 401)
      res.set(
        "WWW-Authenticate",
        'Basic realm="beklijf xAPI", charset="UTF-8"',
      );
    res.status(status).json(body);
  };
}
