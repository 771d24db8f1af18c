import express, { type Express } from "express";

import { consoleRouter } from "./console/router";
import type { WebDeps } from "./deps";
import { errorHandler } from "./http/errors";
import { answerRouter } from "./routes/answers";
import { apiRouter } from "./routes/api";
import { mailApiRouter } from "./routes/mail-api";
import { outboxRouter } from "./routes/outbox";
import { peopleRouter } from "./routes/people";
import { policyRouter } from "./routes/policy";
import { preferencesRouter } from "./routes/preferences";
import { rulesApiRouter } from "./routes/rules-api";
import { templatesApiRouter } from "./routes/templates-api";
import { unsubscribeRouter } from "./routes/unsubscribe";
import { loadViews } from "./views";

/** Learner pages, the admin API and (issue #6) the console; mounted at "/". */
export function buildApp(deps: WebDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  const render = loadViews();
  app.use((_req, res, next) => {
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-src 'self'; base-uri 'none'",
    );
    next();
  });
  app.get("/", (_req, res) => {
    res.type("html").send(
      render("home", {
        title: "beklijf",
        xapiEndpoint: `${deps.publicUrl}/xapi`,
        hasOutbox: deps.outbox !== undefined,
      }),
    );
  });
  app.use("/u", unsubscribeRouter(deps, render));
  app.use("/api", peopleRouter(deps));
  app.use("/api", policyRouter(deps));
  app.use("/a", answerRouter(deps, render));
  app.use("/p", preferencesRouter(deps, render));
  app.use("/api", mailApiRouter(deps));
  app.use("/api", templatesApiRouter(deps));
  app.use("/api", rulesApiRouter(deps));
  app.use("/api", apiRouter(deps));
  app.use("/console", consoleRouter(deps));
  if (deps.outbox !== undefined)
    app.use("/outbox", outboxRouter(deps, deps.outbox, render));
  app.use(errorHandler(deps));
  return app;
}
