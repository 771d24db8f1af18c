import { httpErrorHandler } from "@beklijf/runtime";
import type { ErrorRequestHandler } from "express";

import type { IngestDeps } from "../deps";

/** The one error-to-HTTP mapping of the ingest app: always JSON, as xAPI clients expect. */
export function errorHandler(
  deps: Pick<IngestDeps, "logger">,
): ErrorRequestHandler {
  return httpErrorHandler({ logger: deps.logger, realm: "beklijf xAPI" });
}
