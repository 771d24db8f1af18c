import express, { type Express } from "express";

import type { IngestDeps } from "./deps";
import { createAuthenticator } from "./http/authenticate";
import { errorHandler } from "./http/errors";
import { parseByteLimit } from "./http/read-json-body";
import { postStatementsFastPath, statementsRouter } from "./routes/statements";
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
