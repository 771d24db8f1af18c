import { NotFoundError } from "@beklijf/core";
import { type ConsoleSessionLimits, DEFAULT_TENANT_SLUG } from "@beklijf/db";
import express, { Router } from "express";

import type { WebDeps } from "../deps";
import { cookieNames, loadSession, requireSession, verifyCsrf } from "./auth";
import { mountConnectionPages } from "./connections-pages";
import { mountContentPages } from "./content-pages";
import { mountDashboard } from "./dashboard-page";
import { mountDeliveriesPage } from "./deliveries-page";
import { consoleErrorHandler } from "./errors";
import { mountOperatorPages, mountQueuesBoard } from "./operators-pages";
import { mountPeopleImport, mountPeoplePages } from "./people-pages";
import { mountRulePages } from "./rules-pages";
import { mountOwnSession, mountSignIn } from "./sign-in";
import { mountSimulatePage } from "./simulate-page";
import { mountUserPages } from "./users-pages";
import { loadConsoleViews } from "./views";

/** Idle and absolute session lifetimes. */
export const DEFAULT_SESSION_LIMITS: ConsoleSessionLimits = {
  idleMs: 2 * 3_600_000,
  absoluteMs: 12 * 3_600_000,
};

/** Paths anyone may open without a session (relative to /console). */
export const PUBLIC_CONSOLE_ROUTES: readonly string[] = [
  "GET /sign-in",
  "POST /sign-in",
];

/**
 * The console for L&D teams and LMS admins, mounted at /console: sign-in first, then every
 * route needs a session, and every change its CSRF token; role checks sit on the routes.
 */
export function consoleRouter(
  deps: WebDeps,
  options: {
    sessionLimits?: ConsoleSessionLimits;
    /** The tenant whose users sign in here (one tenant per console for now; see ADR 0005). */
    tenantSlug?: string;
  } = {},
): Router {
  const limits = options.sessionLimits ?? DEFAULT_SESSION_LIMITS;
  const names = cookieNames(deps.publicUrl);
  const render = loadConsoleViews();
  const router = Router();
  router.use((_req, res, next) => {
    // Pages with personal data and one-time secrets: never cached, never framed.
    res.set("Cache-Control", "no-store");
    res.set("X-Frame-Options", "DENY");
    next();
  });
  router.use(
    express.urlencoded({
      extended: false,
      limit: "256kb",
      parameterLimit: 100,
    }),
  );
  router.use(loadSession(deps, names, limits));
  mountSignIn(router, deps, render, names, {
    limits,
    tenantSlug: options.tenantSlug ?? DEFAULT_TENANT_SLUG,
  });

  router.use(requireSession(names));
  if (deps.queues !== undefined)
    mountQueuesBoard(router, {
      queues: deps.queues,
      publicUrl: deps.publicUrl,
    });
  // Reads its own multipart body and checks the CSRF token itself, before the file.
  mountPeopleImport(router, deps, render);
  router.use(verifyCsrf());
  mountOwnSession(router, deps, names);
  mountDashboard(router, deps, render);
  mountRulePages(router, deps, render);
  mountConnectionPages(router, deps, render);
  mountDeliveriesPage(router, deps, render);
  mountUserPages(router, deps, render);
  mountOperatorPages(
    router,
    {
      hasQueues: deps.queues !== undefined,
      outbox: deps.outbox,
    },
    render,
  );
  mountPeoplePages(router, deps, render);
  mountSimulatePage(router, deps, render);
  mountContentPages(router, deps, render);
  router.use((_req, _res, next) => {
    next(
      new NotFoundError(
        "There is no such page in the console.",
        "PAGE_NOT_FOUND",
      ),
    );
  });
  router.use(consoleErrorHandler(deps, render));
  return router;
}
