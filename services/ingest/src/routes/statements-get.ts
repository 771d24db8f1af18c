import { randomBytes } from "node:crypto";

import { NotFoundError, ValidationError } from "@beklijf/core";
import {
  type ConnectionView,
  findStoredStatement,
  queryStatements,
  type StatementCursor,
  type StoredStatement,
} from "@beklijf/db";
import type { Request, Response } from "express";

import type { IngestDeps } from "../deps";
import type { Authenticator } from "../http/authenticate";
import { connectionAuthority, xapiHomePage } from "./authority";
import { decodeMoreToken, encodeMoreToken } from "./more-token";
import { acceptedLanguages, formatStatement } from "./statement-format";
import {
  parseStatementsRequest,
  type QueryFilters,
  type StatementFormat,
} from "./statement-params";

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How an answer is shaped: the format, the languages for canonical, and the authority's homePage. */
interface Shaping {
  readonly format: StatementFormat;
  readonly languages: readonly string[];
  readonly homePage: string;
}

/**
 * A stored statement as GET answers it: with `stored`, `version` and `authority` always present
 * (rows stored before authority was set at store time get their connection's now), then shaped
 * to the requested format.
 */
function toAnswer(row: StoredStatement, shaping: Shaping): JsonRecord {
  const statement: JsonRecord = isRecord(row.raw) ? { ...row.raw } : {};
  statement["stored"] ??= row.stored.toISOString();
  statement["version"] ??= "1.0.0";
  statement["authority"] ??= connectionAuthority(
    row.connectionKey ?? "beklijf",
    shaping.homePage,
  );
  return formatStatement(statement, shaping.format, shaping.languages);
}

/**
 * Sends JSON, or with attachments=true the multipart/mixed answer the spec requires. beklijf
 * keeps no attachment payloads (statements arrive as JSON, attachments by fileUrl), so the
 * multipart answer has the statements part only.
 */
function send(res: Response, body: unknown, attachments: boolean): void {
  if (!attachments) {
    res.json(body);
    return;
  }
  const boundary = randomBytes(16).toString("hex");
  // A Buffer, so Express adds no charset parameter after the boundary (clients split on it).
  res
    .set("Content-Type", `multipart/mixed; boundary=${boundary}`)
    .send(
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}\r\n--${boundary}--\r\n`,
        "utf8",
      ),
    );
}

/** The query a more token continues; a token whose query no longer parses was not ours. */
function resume(
  token: string,
  connection: ConnectionView,
): {
  filters: QueryFilters;
  format: StatementFormat;
  attachments: boolean;
  canonical: string;
  after: StatementCursor;
} {
  const decoded = decodeMoreToken(token, {
    connectionId: connection.id,
    secretHash: connection.secretHash,
  });
  const request = parseStatementsRequest(new URLSearchParams(decoded.query));
  if (request.kind !== "query")
    throw new ValidationError(
      "The more token does not hold a statement query; start the query again.",
      [],
      "MORE_TOKEN_INVALID",
    );
  return { ...request, after: decoded.after };
}

/**
 * GET (and HEAD) /statements: one statement by statementId or voidedStatementId, or a
 * StatementResult page with a `more` link that continues the same query in the same order.
 */
export function getStatementsHandler(
  deps: IngestDeps,
  auth: Authenticator,
): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const connection = await auth.authenticate(req);
    const tenantId = connection.tenantId;
    const request = parseStatementsRequest(
      new URL(req.url, "http://localhost").searchParams,
    );
    const homePage = xapiHomePage(req, deps);
    const languages = acceptedLanguages(req.get("accept-language"));

    if (request.kind === "single") {
      const row = await findStoredStatement(deps.db, {
        tenantId,
        id: request.id,
        voided: request.voided,
      });
      if (row === null)
        throw new NotFoundError(
          request.voided
            ? `No voided statement ${request.id}; a statement that is not voided is fetched with statementId.`
            : `No statement ${request.id}, or it was voided (fetch it with voidedStatementId).`,
          "STATEMENT_NOT_FOUND",
        );
      res.set("Last-Modified", row.stored.toUTCString());
      send(
        res,
        toAnswer(row, { format: request.format, languages, homePage }),
        request.attachments,
      );
      return;
    }

    const query =
      request.kind === "more"
        ? resume(request.token, connection)
        : { ...request, after: undefined };
    const page = await queryStatements(deps.db, {
      tenantId,
      ...query.filters,
      ...(query.after === undefined ? {} : { after: query.after }),
    });
    const shaping = { format: query.format, languages, homePage };
    const more =
      page.next === undefined
        ? ""
        : `${req.baseUrl}?more=${encodeMoreToken(
            { query: query.canonical, after: page.next },
            { connectionId: connection.id, secretHash: connection.secretHash },
          )}`;
    send(
      res,
      {
        statements: page.statements.map((row) => toAnswer(row, shaping)),
        more,
      },
      query.attachments,
    );
  };
}
