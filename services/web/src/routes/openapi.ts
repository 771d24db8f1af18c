import { Policy } from "@beklijf/rules";
import { Router } from "express";
import { z } from "zod";

import {
  ConnectionDetail,
  ConnectionSummary,
  CreateConnection,
  CreatedBearerToken,
  CreatedConnection,
  ErrorResponse,
  ListLimitQuery,
  PreviewRequest,
  PreviewResponse,
  Rejection,
  RotatedSecret,
  SuppressionsResponse,
  TestSendRequest,
  TestSendResponse,
  UpdateConnection,
} from "../api-schemas";
import {
  ImportReportResponse,
  PersonDetail,
  PersonSummary,
  PersonUpsert,
  SimulateRequest,
  SimulateResponse,
  UnknownLearnersResponse,
  UpsertedPersonResponse,
} from "../people-schemas";
import { json } from "./openapi-parts";
import { RULE_PATHS } from "./rules-openapi";
import { TEMPLATE_PATHS } from "./templates-openapi";

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
const idParameter = {
  name: "id",
  in: "path",
  required: true,
  description: "The connection's id",
  schema: { type: "string", format: "uuid" },
};
/** Errors of a route with a person reference in its path: 400 is a malformed or bare reference. */
const refErrors = (...statuses: number[]) => ({
  "400": {
    description:
      "Not a person reference (PERSON_REF_INVALID), or a bare email or external id (PERSON_REF_AMBIGUOUS)",
    content: json(ErrorResponse),
  },
  ...errors(...statuses),
  ...(statuses.includes(404)
    ? {
        "404": {
          description:
            "No such person in the token's tenant (PERSON_NOT_FOUND)",
          content: json(ErrorResponse),
        },
      }
    : {}),
});
const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid body",
  401: "No or unknown API token",
  403: "The token's role is not enough",
  404: "No such connection in the token's tenant",
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
      ...TEMPLATE_PATHS,
      ...RULE_PATHS,
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
      "/connections/{id}": {
        parameters: [idParameter],
        get: {
          summary:
            "One connection with its health: accepted and rejected counts, last received",
          responses: {
            "200": {
              description: "The connection",
              content: json(ConnectionDetail),
            },
            ...errors(401, 404),
          },
        },
        patch: {
          summary:
            "Enable or disable a connection, or change its rate limit (admin role)",
          requestBody: { required: true, content: json(UpdateConnection) },
          responses: {
            "200": {
              description: "Changed; ingest applies it from the next request",
              content: json(ConnectionDetail),
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      "/connections/{id}/rotate": {
        parameters: [idParameter],
        post: {
          summary:
            "Replace the HTTP Basic secret; the old one stops working within a second (admin role)",
          responses: {
            "200": {
              description: "The new secret, shown this once",
              content: json(RotatedSecret),
            },
            ...errors(401, 403, 404),
          },
        },
      },
      "/connections/{id}/bearer-token": {
        parameters: [idParameter],
        post: {
          summary:
            "Create or replace the connection's Bearer token (admin role)",
          responses: {
            "201": {
              description: "The token, shown this once",
              content: json(CreatedBearerToken),
            },
            ...errors(401, 403, 404),
          },
        },
        delete: {
          summary:
            "Remove the Bearer token; HTTP Basic keeps working (admin role)",
          responses: {
            "204": { description: "Removed" },
            ...errors(401, 403, 404),
          },
        },
      },
      "/people": {
        get: {
          summary:
            "Search people by a part of their name, email or external id",
          parameters: [
            {
              name: "q",
              in: "query",
              required: false,
              schema: { type: "string" },
            },
          ],
          responses: {
            "200": {
              description: "Up to 100 people, by name",
              content: json(z.array(PersonSummary)),
            },
            ...errors(401),
          },
        },
        put: {
          summary:
            "Create or update a person, matched by externalId, else email (editor role); statements that waited for them are planned",
          requestBody: { required: true, content: json(PersonUpsert) },
          responses: {
            "200": {
              description: "Updated",
              content: json(UpsertedPersonResponse),
            },
            "201": {
              description: "Created",
              content: json(UpsertedPersonResponse),
            },
            ...errors(400, 401, 403, 409),
          },
        },
      },
      "/people/import": {
        post: {
          summary:
            "Import people from CSV, streamed, row by row (editor role); bad rows are reported, good rows written",
          requestBody: {
            required: true,
            content: {
              "text/csv": {
                schema: {
                  type: "string",
                  description:
                    "Header row, then one person per row. Columns: externalId, email, name, givenName, locale, timeZone, manager, teamLead, active, accountHomePage, accountName, openid",
                },
              },
            },
          },
          responses: {
            "200": {
              description: "The report",
              content: json(ImportReportResponse),
            },
            ...errors(400, 401, 403),
          },
        },
      },
      "/people/unknown-learners": {
        get: {
          summary:
            "Statements for learners no directory entry maps to yet, per connection, with a sample",
          responses: {
            "200": {
              description: "Per connection",
              content: json(UnknownLearnersResponse),
            },
            ...errors(401),
          },
        },
      },
      "/people/{id}": {
        parameters: [
          {
            name: "id",
            in: "path",
            required: true,
            description:
              "The person: their id (a UUID), `email:<address>` (any case) or `external:<externalId>` (exact), URL-encoded (e.g. `external:HR%2F12`). A bare email or external id is refused (400 PERSON_REF_AMBIGUOUS): an external id may look like an email.",
            schema: { type: "string" },
            examples: {
              id: { value: "0b9e6c1e-5a43-4f7e-9d0a-3c8f2a1b7d65" },
              email: { value: "email:anna@example.com" },
              external: { value: "external:HR-1234" },
            },
          },
        ],
        get: {
          summary:
            "One person with their identities and timeline: planned, sent, cancelled and skipped nudges with reasons",
          responses: {
            "200": { description: "The person", content: json(PersonDetail) },
            ...refErrors(401, 404),
          },
        },
        delete: {
          summary:
            "Erase a person: their statements, plans, nudges, deliveries, answers, identities, preferences and the connection rejections whose statement names them, in one transaction; then their pending nudge jobs (admin role)",
          responses: {
            "204": { description: "Erased" },
            ...refErrors(401, 403, 404),
          },
        },
      },
      "/policy": {
        get: {
          summary:
            "The tenant's sending policy: send window, caps, holidays, time zone (defaults: DOMAIN.md)",
          responses: {
            "200": { description: "The policy", content: json(Policy) },
            ...errors(401),
          },
        },
        put: {
          summary:
            "Replace the sending policy; missing fields take the defaults (admin role)",
          requestBody: { required: true, content: json(Policy) },
          responses: {
            "200": {
              description: "The policy now in force",
              content: json(Policy),
            },
            ...errors(400, 401, 403),
          },
        },
      },
      "/simulate": {
        post: {
          summary:
            "The timeline a statement would get (when, to whom, which template, what moved or was dropped and why); writes nothing",
          requestBody: { required: true, content: json(SimulateRequest) },
          responses: {
            "200": {
              description: "The timeline",
              content: json(SimulateResponse),
            },
            ...errors(400, 401, 404),
          },
        },
      },
      "/suppressions": {
        get: {
          summary:
            "Addresses beklijf will not mail, and deliveries that did not go out (viewer role)",
          parameters: [
            {
              name: "limit",
              in: "query",
              required: false,
              description: "At most this many of each (1 to 1000, default 100)",
              schema: z.toJSONSchema(ListLimitQuery.shape.limit, {
                target: "openapi-3.0",
                io: "input",
              }),
            },
          ],
          responses: {
            "200": {
              description:
                "Suppressed addresses and undelivered emails, newest first",
              content: json(SuppressionsResponse),
            },
            ...errors(400, 401, 403),
          },
        },
      },
      "/preview": {
        post: {
          summary:
            "A template rendered with the sample nudge data and `data` laid over it (editor role)",
          requestBody: { required: true, content: json(PreviewRequest) },
          responses: {
            "200": {
              description: "The email as it would go out",
              content: json(PreviewResponse),
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      "/test-send": {
        post: {
          summary:
            'A template rendered as for /preview and sent to `to` through the mailer\'s SMTP account, marked "[test]" (editor role)',
          requestBody: { required: true, content: json(TestSendRequest) },
          responses: {
            "202": {
              description: "Handed to the SMTP server",
              content: json(TestSendResponse),
            },
            ...errors(400, 401, 403, 404),
          },
        },
      },
      "/connections/{id}/rejections": {
        parameters: [idParameter],
        get: {
          summary:
            "The last 50 refused requests, newest first, with the reason and the offending statement",
          responses: {
            "200": {
              description: "The rejections",
              content: json(z.array(Rejection)),
            },
            ...errors(401, 404),
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
