import { httpErrorHandler } from "@beklijf/runtime";
import type { ErrorRequestHandler } from "express";

import type { WebDeps } from "../deps";

/** The one error-to-HTTP mapping of the web app: JSON for /api and JSON clients, text for pages. */
export function errorHandler(
  deps: Pick<WebDeps, "logger">,
): ErrorRequestHandler {
  return httpErrorHandler({
    logger: deps.logger,
    realm: "beklijf",
    asJson: (req) =>
      req.path.startsWith("/api/") || req.accepts(["json", "html"]) === "json",
  });
}
