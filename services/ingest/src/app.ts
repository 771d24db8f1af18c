import express, { type Express } from "express";

import type { IngestDeps } from "./deps";
import { createAuthenticator } from "./http/authenticate";
import { errorHandler } from "./http/errors";
import { statementsRouter } from "./routes/statements";

/**
 * The xAPI app, meant to be mounted at /xapi. No listen here: tests and the all-in-one launcher
 * mount it themselves.
 */
export function buildApp(deps: IngestDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(
    express.json({
      limit: deps.bodyLimit ?? "2mb",
      type: ["application/json", "application/*+json"],
    }),
  );
  const auth = createAuthenticator(deps);
  app.get("/about", (_req, res) => {
    res.set("X-Experience-API-Version", "1.0.3").json({
      version: ["1.0.3", "1.0.2", "1.0.1", "1.0.0", "2.0.0"],
      extensions: {},
    });
  });
  app.use("/statements", statementsRouter(deps, auth));
  app.use(errorHandler(deps));
  return app;
}
