import { randomId, toHttpError } from "@beklijf/core";
import type { ErrorRequestHandler } from "express";

import type { WebDeps } from "../deps";

/** The one error-to-HTTP mapping of the web app: JSON for /api, plain pages elsewhere. */
export function errorHandler(
  deps: Pick<WebDeps, "logger">,
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
      res.set("WWW-Authenticate", 'Basic realm="beklijf", charset="UTF-8"');
    if (
      req.path.startsWith("/api/") ||
      req.accepts(["json", "html"]) === "json"
    )
      res.status(status).json(body);
    else
      res
        .status(status)
        .type("text/plain")
        .send(
          `${body.error.message}${body.error.requestId === undefined ? "" : ` (request ${body.error.requestId})`}`,
        );
  };
}
