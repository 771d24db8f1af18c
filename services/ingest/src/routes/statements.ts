import { ValidationError } from "@beklijf/core";
import { type ConnectionView, storeStatements } from "@beklijf/db";
import { statementHandOff } from "@beklijf/queue";
import {
  batchValidationError,
  type PreparedStatement,
  prepareStatements,
} from "@beklijf/xapi";
import { type Request, type Response, Router } from "express";

import type { IngestDeps } from "../deps";
import { dispatchNow } from "../hand-off";
import type { Authenticator } from "../http/authenticate";

const SUPPORTED_VERSION = /^(1\.0(\.\d+)?|2\.0(\.\d+)?)$/;

/** Validates a body of one statement or an array; a batch with any invalid statement is refused whole. */
export function prepareBody(
  body: unknown,
  deps: Pick<IngestDeps, "clock">,
): PreparedStatement[] {
  const result = prepareStatements(body, deps);
  if (!result.ok) throw batchValidationError(result.error);
  return result.value;
}

export function statementsRouter(
  deps: IngestDeps,
  auth: Authenticator,
): Router {
  const router = Router();

  router.use((req, res, next) => {
    res.set("X-Experience-API-Version", "1.0.3");
    const version = req.get("x-experience-api-version");
    if (version === undefined || !SUPPORTED_VERSION.test(version)) {
      next(
        new ValidationError(
          `Send the header X-Experience-API-Version (1.0.x or 2.0.x); got ${version === undefined ? "none" : `"${version}"`}.`,
          [],
          "XAPI_VERSION_MISSING",
        ),
      );
      return;
    }
    next();
  });

  router.post("/", async (req: Request, res: Response) => {
    const connection: ConnectionView = await auth.authenticate(req);
    const prepared = prepareBody(req.body, deps);
    const result = await storeStatements(deps.db, {
      tenantId: connection.tenantId,
      connectionId: connection.id,
      statements: prepared,
      handOff: (id) => ({
        tenantId: connection.tenantId,
        ...statementHandOff(connection.tenantId, id),
      }),
    });
    deps.metrics.count("statements_stored_total", result.newIds.length);
    deps.metrics.count(
      "statements_duplicate_total",
      prepared.length - result.newIds.length,
    );
    // Acknowledge only after the commit above; enqueueing is a best-effort fast path.
    await dispatchNow(
      deps,
      result.newIds.map((id) => ({
        tenantId: connection.tenantId,
        ...statementHandOff(connection.tenantId, id),
      })),
    );
    res.status(200).json(result.ids);
  });

  return router;
}
