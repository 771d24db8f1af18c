import { NotFoundError, ValidationError } from "@beklijf/core";
import { createConnection, listConnections } from "@beklijf/db";
import express, { Router } from "express";

import { CreateConnection } from "../api-schemas";
import type { WebDeps } from "../deps";
import { requireRole, requireToken } from "../http/require-token";
import { openApiRouter } from "./openapi";

/** The JSON admin API (first cut: connections). Every route but the OpenAPI document needs an API token. */
export function apiRouter(deps: WebDeps): Router {
  const router = Router();
  router.use(openApiRouter(deps.publicUrl));
  router.use(requireToken(deps));
  router.use(express.json({ limit: "100kb" }));

  router.get("/connections", async (_req, res) => {
    const tenantId = String(res.locals["tenantId"]);
    const connections = await listConnections(deps.db, tenantId);
    res.json(
      connections.map((c) => ({
        id: c.id,
        name: c.name,
        mode: c.mode,
        key: c.key,
        enabled: c.enabled,
        endpoint: `${deps.publicUrl}/xapi`,
      })),
    );
  });

  router.post("/connections", requireRole("admin"), async (req, res) => {
    const parsed = CreateConnection.safeParse(req.body);
    if (!parsed.success)
      throw new ValidationError(
        "The connection was not created.",
        parsed.error.issues.map((i) => ({
          path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
          message: i.message,
        })),
        "CONNECTION_INVALID",
      );
    const { connection, secret } = await createConnection(deps.db, {
      tenantId: String(res.locals["tenantId"]),
      name: parsed.data.name,
    });
    res.status(201).json({
      id: connection.id,
      name: connection.name,
      endpoint: `${deps.publicUrl}/xapi`,
      key: connection.key,
      secret,
    });
  });

  router.use((req) => {
    throw new NotFoundError(
      `No ${req.method} ${req.baseUrl}${req.path} in this API; see /api/openapi.json.`,
      "ROUTE_NOT_FOUND",
    );
  });

  return router;
}
