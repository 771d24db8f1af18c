import { NotFoundError } from "@beklijf/core";
import {
  type ConnectionView,
  createConnection,
  findConnection,
  getConnectionHealth,
  listConnections,
  listRejections,
  removeConnectionBearerToken,
  rotateConnectionSecret,
  setConnectionBearerToken,
  updateConnection,
} from "@beklijf/db";
import express, { type Request, type Response, Router } from "express";
import type { z } from "zod";

import { CreateConnection, UpdateConnection } from "../api-schemas";
import type { WebDeps } from "../deps";
import { parseInput } from "../http/parse-input";
import { requireRole, requireToken } from "../http/require-token";
import { openApiRouter } from "./openapi";

/** The JSON admin API (first cut: connections). Every route but the OpenAPI document needs an API token. */
export function apiRouter(deps: WebDeps): Router {
  const router = Router();
  router.use(openApiRouter(deps.publicUrl));
  router.use(requireToken(deps));
  router.use(express.json({ limit: "100kb" }));

  const endpoint = `${deps.publicUrl}/xapi`;
  const summary = (c: ConnectionView) => ({
    id: c.id,
    name: c.name,
    mode: c.mode,
    key: c.key,
    enabled: c.enabled,
    endpoint,
  });
  const detail = async (c: ConnectionView) => ({
    ...summary(c),
    rateLimitPerMinute: c.rateLimitPerMinute,
    hasBearerToken: c.bearerTokenHash !== null,
    health: await getConnectionHealth(deps.db, c),
  });
  /** The tenant's connection named by :id; another tenant's id is as unknown as a made-up one. */
  const connectionOf = async (
    res: Response,
    id: string,
  ): Promise<ConnectionView> => {
    const found = await findConnection(deps.db, tenantOf(res), id);
    if (found === null)
      throw new NotFoundError(
        `No connection ${id} in this tenant.`,
        "CONNECTION_NOT_FOUND",
      );
    return found;
  };

  router.get("/connections", async (_req, res) => {
    const connections = await listConnections(deps.db, tenantOf(res));
    res.json(connections.map(summary));
  });

  router.post("/connections", requireRole("admin"), async (req, res) => {
    const body = parseBody(
      CreateConnection,
      req.body,
      "The connection was not created.",
    );
    const { connection, secret } = await createConnection(deps.db, {
      tenantId: tenantOf(res),
      name: body.name,
      ...(body.rateLimitPerMinute === undefined
        ? {}
        : { rateLimitPerMinute: body.rateLimitPerMinute }),
    });
    res.status(201).json({
      id: connection.id,
      name: connection.name,
      endpoint,
      key: connection.key,
      secret,
    });
  });

  router.get("/connections/:id", async (req, res) => {
    res.json(await detail(await connectionOf(res, idOf(req))));
  });

  router.patch("/connections/:id", requireRole("admin"), async (req, res) => {
    const body = parseBody(
      UpdateConnection,
      req.body,
      "The connection was not changed.",
    );
    const updated = await updateConnection(deps.db, tenantOf(res), idOf(req), {
      ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
      ...(body.rateLimitPerMinute === undefined
        ? {}
        : { rateLimitPerMinute: body.rateLimitPerMinute }),
    });
    res.json(await detail(updated));
  });

  router.post(
    "/connections/:id/rotate",
    requireRole("admin"),
    async (req, res) => {
      const { connection, secret } = await rotateConnectionSecret(
        deps.db,
        tenantOf(res),
        idOf(req),
      );
      res.json({ id: connection.id, key: connection.key, secret });
    },
  );

  router.post(
    "/connections/:id/bearer-token",
    requireRole("admin"),
    async (req, res) => {
      const { connection, token } = await setConnectionBearerToken(
        deps.db,
        tenantOf(res),
        idOf(req),
      );
      res.status(201).json({ id: connection.id, token });
    },
  );

  router.delete(
    "/connections/:id/bearer-token",
    requireRole("admin"),
    async (req, res) => {
      await removeConnectionBearerToken(deps.db, tenantOf(res), idOf(req));
      res.status(204).end();
    },
  );

  router.get("/connections/:id/rejections", async (req, res) => {
    const connection = await connectionOf(res, idOf(req));
    res.json(await listRejections(deps.db, connection.id));
  });

  router.use((req) => {
    throw new NotFoundError(
      `No ${req.method} ${req.baseUrl}${req.path} in this API; see /api/openapi.json.`,
      "ROUTE_NOT_FOUND",
    );
  });

  return router;
}

/** The :id route parameter; "" (unknown to every tenant) when absent. */
function idOf(req: Request): string {
  const id: unknown = req.params["id"];
  return typeof id === "string" ? id : "";
}

/** The tenant of the request's API token (set by requireToken). */
function tenantOf(res: Response): string {
  return String(res.locals["tenantId"]);
}

/** Parses a request body with its schema, or throws a 400 naming every problem. */
function parseBody<T extends z.ZodType>(
  schema: T,
  body: unknown,
  message: string,
): z.output<T> {
  return parseInput(schema, body, message, "CONNECTION_INVALID");
}
