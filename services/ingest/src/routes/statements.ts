import type { IncomingMessage, ServerResponse } from "node:http";

import { errorMessage, isUuid, ValidationError } from "@beklijf/core";
import { type ConnectionView, storeStatements } from "@beklijf/db";
import { statementSliceHandOffs } from "@beklijf/queue";
import {
  batchValidationError,
  type PreparedStatement,
  prepareStatements,
  type Statement,
} from "@beklijf/xapi";
import {
  type Request,
  type RequestHandler,
  type Response,
  Router,
} from "express";

import type { IngestDeps } from "../deps";
import { dispatchNow } from "../hand-off";
import type { Authenticator } from "../http/authenticate";
import {
  isPlainJsonRequest,
  parseJsonBody,
  readBody,
} from "../http/read-json-body";
import { alternateRequestSyntax } from "./alternate-syntax";
import {
  configuredHomePage,
  connectionAuthority,
  xapiHomePage,
} from "./authority";
import { getStatementsHandler } from "./statements-get";
import {
  consistentThrough,
  CORS_HEADERS,
  requireXapiVersion,
  setStatementResourceHeaders,
  XAPI_VERSION,
  xapiVersionError,
} from "./xapi-headers";

/**
 * Validates a body of one statement or an array; a batch with any invalid statement is refused
 * whole. Given an authority, the prepared statements carry it.
 */
export function prepareBody(
  body: unknown,
  deps: Pick<IngestDeps, "clock">,
  authority?: NonNullable<Statement["authority"]>,
): PreparedStatement[] {
  const result = prepareStatements(
    body,
    authority === undefined
      ? { clock: deps.clock }
      : { clock: deps.clock, authority },
  );
  if (!result.ok) throw batchValidationError(result.error);
  return result.value;
}

/** The body's statements, validated and stamped with the connection as their authority. */
function prepareFor(
  deps: IngestDeps,
  req: Request,
  connection: ConnectionView,
  body: unknown,
): PreparedStatement[] {
  return prepareBody(
    body,
    deps,
    connectionAuthority(connection.key, xapiHomePage(req, deps)),
  );
}

/**
 * Stores a connection's prepared statements and hands the new ones to the engine once
 * committed. Returns the ids in the order given.
 */
async function store(
  deps: IngestDeps,
  connection: ConnectionView,
  prepared: readonly PreparedStatement[],
): Promise<string[]> {
  const request = {
    tenantId: connection.tenantId,
    connectionId: connection.id,
    statements: prepared,
    handOffs: (ids: readonly string[]) =>
      statementSliceHandOffs(connection.tenantId, ids),
  };
  // With a writer (the services' normal set-up) concurrent requests commit together and hand
  // off after the answer; without one, each request commits alone and enqueues before answering.
  const result =
    deps.writer === undefined
      ? await storeStatements(deps.db, request)
      : await deps.writer.write(request);
  deps.metrics.count("statements_stored_total", result.newIds.length);
  deps.metrics.count(
    "statements_duplicate_total",
    prepared.length - result.newIds.length,
  );
  if ((result.voidedIds?.length ?? 0) > 0)
    deps.logger.info(
      { voided: result.voidedIds, connectionId: connection.id },
      "statements voided",
    );
  // Acknowledged only after the commit above; enqueueing is a best-effort fast path (the
  // writer's own hand-off does it when there is a writer).
  if (deps.writer === undefined)
    await dispatchNow(
      deps,
      result.newIds.length === 0 ? [] : request.handOffs(result.newIds),
    );
  return result.ids;
}

/** The statementId of a PUT, which must be the only query parameter. */
function putStatementId(req: Request): string {
  const params = new URL(req.url, "http://localhost").searchParams;
  const others = [...params.keys()].filter((key) => key !== "statementId");
  if (others.length > 0)
    throw new ValidationError(
      `PUT /statements takes only the query parameter statementId, not ${others.join(", ")}.`,
      [{ path: [others[0] ?? ""], message: "is not a PUT parameter" }],
      "QUERY_PARAMETER_UNKNOWN",
    );
  const ids = params.getAll("statementId");
  const id = ids[0];
  if (ids.length !== 1 || id === undefined || !isUuid(id))
    throw new ValidationError(
      "PUT /statements needs the query parameter statementId: the UUID of the statement in the body.",
      [{ path: ["statementId"], message: "must be one UUID" }],
      "STATEMENT_ID_PARAMETER_INVALID",
    );
  return id.toLowerCase();
}

/**
 * The body of a PUT with its id: the statement's own id must equal statementId (xAPI 1.0.3
 * Communication 2.1.1); a statement without one gets it.
 */
function withPutId(body: unknown, statementId: string): unknown {
  if (Array.isArray(body))
    throw new ValidationError(
      "PUT /statements stores one statement; POST a batch instead.",
      [],
      "STATEMENT_INVALID",
    );
  if (typeof body !== "object" || body === null) return body;
  const id: unknown = Reflect.get(body, "id");
  if (id === undefined) return { ...body, id: statementId };
  if (typeof id !== "string" || id.toLowerCase() !== statementId)
    throw new ValidationError(
      `The statement's id must equal the statementId parameter (${statementId}).`,
      [{ path: ["id"], message: "must equal the statementId parameter" }],
      "STATEMENT_ID_MISMATCH",
    );
  return body;
}

/**
 * Statements with attachments in a multipart/mixed body are refused with a clear 400 for now;
 * attachments given by `fileUrl` in a JSON body are accepted (packages/xapi checks both forms).
 */
function refuseMultipart(): RequestHandler {
  return (req, _res, next) => {
    if (
      (req.method === "POST" || req.method === "PUT") &&
      // Parse the Content-Type only when it could name a multipart type.
      /multipart/i.test(req.headers["content-type"] ?? "") &&
      typeof req.is("multipart/*") === "string"
    ) {
      next(
        new ValidationError(
          "beklijf does not accept attachments in a multipart/mixed body yet. Send the statements as application/json, with each attachment's content referenced by fileUrl.",
          [],
          "MULTIPART_NOT_SUPPORTED",
        ),
      );
      return;
    }
    next();
  };
}

/**
 * What the direct path does with `POST /statements` and a plain JSON body, on a bare request: the
 * body is read into one Buffer and parsed once (http/read-json-body.ts), and the 200 is written
 * directly. The steps and their order are the router's: body (400 not JSON, 413 too large),
 * version header, authentication and rate limit, validation, storage, 200 with the ids. Rejects
 * with the error the router would pass on; resolves with the connection once answered.
 */
function createPlainJsonPost(
  deps: IngestDeps,
  auth: Authenticator,
  limitBytes: number,
): (
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
  homePage: string,
) => Promise<ConnectionView> {
  return async (req, res, homePage) => {
    const body = parseJsonBody(await readBody(req, limitBytes));
    req.body = body;
    const versionError = xapiVersionError(
      req.headers["x-experience-api-version"],
    );
    if (versionError !== undefined) throw versionError;
    const connection = await auth.authenticate(req);
    const prepared = prepareBody(
      body,
      deps,
      connectionAuthority(connection.key, homePage),
    );
    const text = JSON.stringify(await store(deps, connection, prepared));
    // One flat list and no setHeader before: Node writes it without building a header object.
    res.writeHead(200, [
      ...CORS_HEADERS,
      "X-Experience-API-Version",
      XAPI_VERSION,
      "X-Experience-API-Consistent-Through",
      consistentThrough(deps),
      "Content-Type",
      "application/json; charset=utf-8",
      "Content-Length",
      String(Buffer.byteLength(text)),
    ]);
    res.end(text);
    return connection;
  };
}

/**
 * The hot path of ingest as Express middleware, `POST /statements` with a plain JSON body without
 * the body parsers and the router (see {@link createPlainJsonPost}). Mounted first in the app
 * (after CORS); it takes only a POST to exactly /statements or /statements/ without a query
 * string and with a JSON body in UTF-8, and passes every other request on to the body parsers
 * and {@link statementsRouter}, which handle it as before; errors go to the app's error handler
 * like the router's. The standalone ingest puts {@link statementsLane} in front of Express too.
 */
export function postStatementsFastPath(
  deps: IngestDeps,
  auth: Authenticator,
  limitBytes: number,
): RequestHandler {
  const answer = createPlainJsonPost(deps, auth, limitBytes);
  return (req, res, next) => {
    if (
      req.method !== "POST" ||
      (req.url !== "/statements" && req.url !== "/statements/") ||
      !isPlainJsonRequest(req) ||
      // Read already (a parser in front of this app): the router uses what that one parsed.
      req.readableEnded
    ) {
      next();
      return;
    }
    setStatementResourceHeaders(res, deps);
    answer(req, res, xapiHomePage(req, deps)).catch(next);
  };
}

/** Errors of {@link statementsLane} requests, for the xAPI app to answer (see {@link laneErrors}). */
const laneErrorOf = new WeakMap<IncomingMessage, unknown>();

/**
 * The first middleware of the xAPI app after CORS: a request that {@link statementsLane} took
 * and that failed goes straight to the app's error handler with its error, so every refusal
 * (400, 401, 409, 413, 429, 5xx) is worded, recorded and logged in the one place.
 */
export function laneErrors(): RequestHandler {
  return (req, _res, next) => {
    if (!laneErrorOf.has(req)) {
      next();
      return;
    }
    const error = laneErrorOf.get(req);
    laneErrorOf.delete(req);
    next(error);
  };
}

export interface StatementsLaneOptions {
  /** Where the server mounts the xAPI app, e.g. "/xapi". */
  readonly mountPath: string;
  /** Called for each request the lane answered itself, with its status and duration. */
  readonly observe?: (status: number, seconds: number) => void;
}

/**
 * The hot path in front of the whole Express server: `lane(req, res, app)` answers a plain JSON
 * `POST <mountPath>/statements` itself and returns true, or returns false and leaves the request
 * untouched for the server's app. Express's outer layers (the metrics middleware, the health
 * router, the mount, the app's router) cost more CPU than the rest of a one-statement POST;
 * this does what they do for such a request: the CORS and xAPI headers, the request's duration
 * for the metrics (through `observe`). A request that fails is handed to `app` with its error
 * after the body was read, where {@link laneErrors} passes it to the xAPI app's error handler.
 *
 * The authority's homePage is the configured public URL, else the URL the request came in on;
 * a request with X-Forwarded-Proto and no configured public URL is left to Express, whose
 * "trust proxy" setting decides which protocol that URL has.
 */
export function statementsLane(
  deps: IngestDeps,
  auth: Authenticator,
  limitBytes: number,
  options: StatementsLaneOptions,
): (
  req: IncomingMessage,
  res: ServerResponse,
  app: (req: IncomingMessage, res: ServerResponse) => void,
) => boolean {
  const mount = options.mountPath.replace(/\/+$/, "");
  const exact = `${mount}/statements`;
  const withSlash = `${exact}/`;
  const answer = createPlainJsonPost(deps, auth, limitBytes);
  const configuredHome = configuredHomePage(deps);
  return (req, res, app) => {
    if (
      req.method !== "POST" ||
      (req.url !== exact && req.url !== withSlash) ||
      !isPlainJsonRequest(req) ||
      (configuredHome === undefined &&
        req.headers["x-forwarded-proto"] !== undefined)
    )
      return false;
    const started = performance.now();
    const homePage =
      configuredHome ??
      `${"encrypted" in req.socket ? "https" : "http"}://${req.headers.host ?? "localhost"}${mount}`;
    answer(req, res, homePage).then(
      (connection) => {
        auth.noteReceived(connection);
        options.observe?.(200, (performance.now() - started) / 1000);
      },
      (error: unknown) => {
        if (res.headersSent) {
          // Nothing left to answer with; only a failure after the 200 went out gets here.
          deps.logger.warn(
            { err: errorMessage(error) },
            "error after POST /statements was answered",
          );
          return;
        }
        // The app sets the CORS headers again; the xAPI ones are set where the router would.
        setStatementResourceHeaders(res, deps);
        laneErrorOf.set(req, error);
        app(req, res);
      },
    );
    return true;
  };
}

/** The xAPI statement resource (xAPI 1.0.3 Communication 2.1), mounted at /statements. */
export function statementsRouter(
  deps: IngestDeps,
  auth: Authenticator,
): Router {
  const router = Router();
  router.use(alternateRequestSyntax());
  router.use(requireXapiVersion());
  router.use(refuseMultipart());

  router.post("/", async (req: Request, res: Response) => {
    const connection = await auth.authenticate(req);
    const prepared = prepareFor(deps, req, connection, req.body);
    res.status(200).json(await store(deps, connection, prepared));
  });

  router.put("/", async (req: Request, res: Response) => {
    const connection = await auth.authenticate(req);
    const statementId = putStatementId(req);
    const prepared = prepareFor(
      deps,
      req,
      connection,
      withPutId(req.body, statementId),
    );
    await store(deps, connection, prepared);
    res.status(204).end();
  });

  // Express answers HEAD with this handler too, without the body.
  router.get("/", getStatementsHandler(deps, auth));

  router.all("/", (req: Request) => {
    throw new ValidationError(
      `The statement resource does not support ${req.method}; use GET, HEAD, PUT or POST.`,
      [],
      "METHOD_NOT_SUPPORTED",
    );
  });

  return router;
}
