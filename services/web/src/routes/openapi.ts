import { Router } from "express";
import { z } from "zod";

import {
  ConnectionSummary,
  CreateConnection,
  CreatedConnection,
  ErrorResponse,
} from "../api-schemas";

const json = (schema: z.ZodType) => ({
  "application/json": {
    schema: z.toJSONSchema(schema, { target: "openapi-3.0" }),
  },
});
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: DESCRIPTIONS[status] ?? "Error",
        content: json(ErrorResponse),
      },
    ]),
  );
const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid body",
  401: "No or unknown API token",
  403: "The token's role is not enough",
  409: "Conflict",
};

/** The OpenAPI 3.0 document of /api, built from the same zod schemas the routes validate with. */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: {
      title: "beklijf admin API",
      version: "0.1.0",
      description:
        "Every route needs an API token: `Authorization: Bearer <token>`.",
    },
    servers: [{ url: `${publicUrl}/api` }],
    components: {
      securitySchemes: { token: { type: "http", scheme: "bearer" } },
    },
    security: [{ token: [] }],
    paths: {
      "/connections": {
        get: {
          summary: "List the LMS connections (never their secrets)",
          responses: {
            "200": {
              description: "The connections",
              content: json(z.array(ConnectionSummary)),
            },
            ...errors(401),
          },
        },
        post: {
          summary:
            "Create an LMS connection with fresh credentials (admin role)",
          requestBody: { required: true, content: json(CreateConnection) },
          responses: {
            "201": {
              description: "Created; the secret is shown this once",
              content: json(CreatedConnection),
            },
            ...errors(400, 401, 403, 409),
          },
        },
      },
    },
  };
}

/** GET /api/openapi.json, public: it describes the API, it holds no data. */
export function openApiRouter(publicUrl: string): Router {
  const router = Router();
  const document = openApiDocument(publicUrl);
  router.get("/openapi.json", (_req, res) => {
    res.json(document);
  });
  return router;
}
