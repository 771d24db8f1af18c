import type { RequestListener, Server } from "node:http";

import type { PrometheusMetrics } from "@beklijf/runtime";
import express, { type Express } from "express";

import type { IngestDeps } from "./deps";
import { createAuthenticator } from "./http/authenticate";
import { errorHandler } from "./http/errors";
import { parseByteLimit } from "./http/read-json-body";
import {
  laneErrors,
  postStatementsFastPath,
  statementsLane,
  type StatementsLaneOptions,
  statementsRouter,
} from "./routes/statements";
import {
  corsForContent,
  statementResourceHeaders,
  XAPI_VERSION,
} from "./routes/xapi-headers";

/**
 * The xAPI app, meant to be mounted at /xapi. No listen here: tests and the all-in-one launcher
 * mount it themselves.
 */
export function buildApp(deps: IngestDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  // Statement answers carry Last-Modified and X-Experience-API-Consistent-Through; a weak ETag
  // would let a cache answer 304 to a GET whose results must reflect the newest statements.
  app.disable("etag");
  app.use(corsForContent());
  // Failed requests of the lane in front of the server (buildStatementsLane) go to errorHandler.
  app.use(laneErrors());
  const limit = deps.bodyLimit ?? "2mb";
  const auth = createAuthenticator(deps);
  // The hot path: POST /statements with a plain JSON body, straight to storage; every other
  // request goes on through the body parsers and the router below.
  app.use(postStatementsFastPath(deps, auth, parseByteLimit(limit)));
  // Before the body parsers, so their errors (413, not JSON) carry the xAPI headers too.
  app.use("/statements", statementResourceHeaders(deps));
  app.use(
    express.json({ limit, type: ["application/json", "application/*+json"] }),
  );
  // The alternate request syntax (POST ?method=…) sends a form.
  app.use(
    express.urlencoded({
      limit,
      extended: false,
      type: "application/x-www-form-urlencoded",
    }),
  );
  app.get("/about", (_req, res) => {
    res.set("X-Experience-API-Version", XAPI_VERSION).json({
      version: ["1.0.3", "1.0.2", "1.0.1", "1.0.0", "2.0.0"],
      extensions: {},
    });
  });
  app.use("/statements", statementsRouter(deps, auth));
  app.use(errorHandler(deps));
  return app;
}

/**
 * The hot path in front of the server's Express app, for the deps the app was built with (so it
 * shares the app's authenticator: verified secrets, connection rows, rate limit): see
 * statementsLane in routes/statements.ts.
 */
export function buildStatementsLane(
  deps: IngestDeps,
  options: StatementsLaneOptions,
): ReturnType<typeof statementsLane> {
  return statementsLane(
    deps,
    createAuthenticator(deps),
    parseByteLimit(deps.bodyLimit ?? "2mb"),
    options,
  );
}

/** The server's request listener with the lane in front of its app (main.ts, tests). */
export function laneInFront(
  lane: ReturnType<typeof statementsLane>,
  app: RequestListener,
): RequestListener {
  return (req, res) => {
    if (!lane(req, res, app)) app(req, res);
  };
}

/**
 * Puts the statements lane in front of `server` when its request listener is `app` (what
 * serveHttp sets up): POST `<mountPath>/statements` then goes around Express's layers, and its
 * duration is recorded as the metrics middleware it skips records it. The standalone ingest and
 * the all-in-one process both serve it so. Returns false, leaving the server as it is, when the
 * server calls something else (everything then goes through Express).
 */
export function serveStatementsLane(
  server: Server,
  app: RequestListener,
  lane: (options: StatementsLaneOptions) => ReturnType<typeof statementsLane>,
  options: {
    mountPath: string;
    metrics: Pick<PrometheusMetrics, "httpDuration">;
  },
): boolean {
  const listeners = server.listeners("request");
  if (listeners.length !== 1 || listeners[0] !== app) return false;
  const inFront = laneInFront(
    lane({
      mountPath: options.mountPath,
      observe: (status, seconds) => {
        options.metrics.httpDuration.observe(
          { method: "POST", route: options.mountPath, status: String(status) },
          seconds,
        );
      },
    }),
    app,
  );
  server.removeListener("request", app);
  server.on("request", inFront);
  return true;
}
