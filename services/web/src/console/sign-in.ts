import {
  type ConsoleSessionLimits,
  deleteExpiredConsoleSessions,
  endConsoleSession,
  ensureTenant,
  startConsoleSession,
  updateConsoleUser,
  verifyConsolePassword,
} from "@beklijf/db";
import type { Response, Router } from "express";

import type { WebDeps } from "../deps";
import {
  clearCookie,
  consoleLocals,
  type CookieNames,
  hasValidSignInToken,
  issueSignInToken,
  readCookie,
  sessionOf,
  setCookie,
} from "./auth";
import { formField, pageContext, queryString } from "./context";
import { isLocale, translate } from "./messages";
import { createFailureLimiter } from "./rate-limit";
import type { ConsoleRender } from "./views";

/** Only a path inside the console, so the sign-in page cannot be used to send people elsewhere. */
function safeNext(value: unknown): string {
  const next = queryString(value) ?? "/console";
  return /^\/console(?:[/?#]|$)/.test(next) && !next.startsWith("//")
    ? next
    : "/console";
}

/** Sign-in and sign-out; the sign-in form is public, everything else needs a session. */
export function mountSignIn(
  router: Router,
  deps: Pick<WebDeps, "db" | "clock" | "logger">,
  render: ConsoleRender,
  names: CookieNames,
  { limits, tenantSlug }: { limits: ConsoleSessionLimits; tenantSlug: string },
): void {
  const windowMs = 15 * 60_000;
  const perAccount = createFailureLimiter({
    clock: deps.clock,
    max: 5,
    windowMs,
  });
  const perAddress = createFailureLimiter({
    clock: deps.clock,
    max: 30,
    windowMs,
  });

  const showForm = (
    res: Response,
    status: number,
    data: { next: string; email?: string; error?: string; notice?: string },
  ) => {
    const context = pageContext(
      res,
      translate(consoleLocals(res).locale, "signIn.title"),
    );
    res
      .status(status)
      .type("html")
      .send(
        render("sign-in", context, {
          ...data,
          signInToken: issueSignInToken(res, names),
        }),
      );
  };

  router.get("/sign-in", (req, res) => {
    if (consoleLocals(res).session !== undefined) {
      res.redirect(303, safeNext(req.query["next"]));
      return;
    }
    showForm(res, 200, {
      next: safeNext(req.query["next"]),
      ...(req.query["expired"] === "1" ? { notice: "signIn.expired" } : {}),
    });
  });

  router.post("/sign-in", async (req, res) => {
    const next = safeNext(formField(req.body, "next"));
    const email = formField(req.body, "email").trim().toLowerCase();
    const password = formField(req.body, "password");
    if (!hasValidSignInToken(req, names)) {
      showForm(res, 403, { next, email, error: "error.title" });
      return;
    }
    const address = `ip:${req.ip ?? "unknown"}`;
    const account = `account:${email}`;
    if (perAccount.isBlocked(account) || perAddress.isBlocked(address)) {
      res.set("Retry-After", String(windowMs / 1000));
      showForm(res, 429, { next, email, error: "signIn.tooMany" });
      return;
    }
    const tenant = await ensureTenant(deps.db, tenantSlug);
    const user =
      // 1024 characters bound the hashing work one request can ask for.
      email === "" || password === "" || password.length > 1024
        ? null
        : await verifyConsolePassword(deps.db, {
            tenantId: tenant.id,
            email,
            password,
          });
    if (user === null) {
      perAccount.fail(account);
      perAddress.fail(address);
      deps.logger.info(
        { reason: "sign-in refused" },
        "console sign-in refused",
      );
      showForm(res, 401, { next, email, error: "signIn.failed" });
      return;
    }
    perAccount.reset(account);
    // Rotation: whatever session id the browser had is dropped; the new one is fresh.
    const previous = readCookie(req, names.session);
    const { cookie } = await startConsoleSession(deps.db, {
      userId: user.id,
      now: deps.clock.now(),
      limits,
      ...(previous === undefined ? {} : { replacing: previous }),
    });
    // Sessions past their absolute end are only ever read to be refused: sweep them here.
    await deleteExpiredConsoleSessions(deps.db, deps.clock.now());
    setCookie(res, names, names.session, cookie);
    clearCookie(res, names, names.signIn);
    res.redirect(303, next);
  });
}

/** Routes for the signed-in user themself (behind requireSession and verifyCsrf). */
export function mountOwnSession(
  router: Router,
  deps: Pick<WebDeps, "db">,
  names: CookieNames,
): void {
  router.post("/sign-out", async (req, res) => {
    const cookie = readCookie(req, names.session);
    if (cookie !== undefined) await endConsoleSession(deps.db, cookie);
    clearCookie(res, names, names.session);
    res.redirect(303, "/console/sign-in");
  });
  router.post("/language", async (req, res) => {
    const session = sessionOf(res);
    const locale = formField(req.body, "locale");
    await updateConsoleUser(deps.db, session.user.tenantId, session.user.id, {
      locale: isLocale(locale) ? locale : null,
    });
    res.redirect(303, safeNext(formField(req.body, "next")));
  });
}
