import { timingSafeEqual } from "node:crypto";

import { ForbiddenError, randomToken } from "@beklijf/core";
import {
  type ConsoleSessionLimits,
  type ConsoleSessionView,
  findConsoleSession,
  type Role,
} from "@beklijf/db";
import type { Request, RequestHandler, Response } from "express";

import type { WebDeps } from "../deps";
import { isLocale, type Locale } from "./messages";

/** Per request, in res.locals.console. */
export interface ConsoleLocals {
  session: ConsoleSessionView | undefined;
  locale: Locale;
}

export interface CookieNames {
  readonly session: string;
  /** Double-submit token of the sign-in form (there is no session to tie it to yet). */
  readonly signIn: string;
  readonly secure: boolean;
}

/**
 * `__Host-` names when the console is served over https: the browser then insists on Secure,
 * Path=/ and no Domain, so a sibling subdomain cannot plant a session cookie.
 */
export function cookieNames(publicUrl: string): CookieNames {
  const secure = publicUrl.startsWith("https://");
  const prefix = secure ? "__Host-" : "";
  return {
    session: `${prefix}beklijf_console`,
    signIn: `${prefix}beklijf_sign_in`,
    secure,
  };
}

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return undefined; // malformed escapes: treated as no cookie, not as a server error
      }
    }
  }
  return undefined;
}

export function setCookie(
  res: Response,
  names: CookieNames,
  name: string,
  value: string,
  maxAgeMs?: number,
): void {
  res.cookie(name, value, {
    httpOnly: true,
    sameSite: "lax",
    secure: names.secure,
    path: "/",
    ...(maxAgeMs === undefined ? {} : { maxAge: maxAgeMs }),
  });
}

export function clearCookie(
  res: Response,
  names: CookieNames,
  name: string,
): void {
  res.clearCookie(name, {
    httpOnly: true,
    sameSite: "lax",
    secure: names.secure,
    path: "/",
  });
}

export function consoleLocals(res: Response): ConsoleLocals {
  const locals: unknown = res.locals["console"];
  if (typeof locals !== "object" || locals === null)
    throw new Error("loadSession must run before the console's routes");
  return locals as ConsoleLocals;
}

/** The signed-in user's session; use only behind requireSession. */
export function sessionOf(res: Response): ConsoleSessionView {
  const { session } = consoleLocals(res);
  if (session === undefined) throw new Error("requireSession must run first");
  return session;
}

/** Reads the session cookie (if any) and picks the page language: the user's, else the browser's. */
export function loadSession(
  deps: Pick<WebDeps, "db" | "clock">,
  names: CookieNames,
  limits: ConsoleSessionLimits,
): RequestHandler {
  return (req, res, next) => {
    const cookie = readCookie(req, names.session);
    const browser = req.acceptsLanguages("nl", "en");
    const fallback: Locale = browser === "nl" ? "nl" : "en";
    const lookup =
      cookie === undefined || cookie === ""
        ? Promise.resolve(null)
        : findConsoleSession(deps.db, {
            cookie,
            now: deps.clock.now(),
            limits,
          });
    lookup
      .then((session) => {
        const own = session?.user.locale;
        const locals: ConsoleLocals = {
          session: session ?? undefined,
          locale: isLocale(own) ? own : fallback,
        };
        res.locals["console"] = locals;
        next();
      })
      .catch(next);
  };
}

/**
 * Without a session: JSON routes (under /api) answer 401, pages redirect to the sign-in page and
 * come back afterwards. `expired=1` tells the sign-in page to say why.
 */
export function requireSession(names: CookieNames): RequestHandler {
  return (req, res, next) => {
    if (consoleLocals(res).session !== undefined) {
      next();
      return;
    }
    if (req.path.startsWith("/api/")) {
      res.set("WWW-Authenticate", 'Cookie realm="beklijf console"');
      res.status(401).json({
        error: {
          code: "SESSION_REQUIRED",
          message: "Sign in to the console first.",
        },
      });
      return;
    }
    const hadCookie = readCookie(req, names.session) !== undefined;
    const back = req.method === "GET" ? req.originalUrl : "/console";
    res.redirect(
      303,
      `/console/sign-in?next=${encodeURIComponent(back)}${hadCookie ? "&expired=1" : ""}`,
    );
  };
}

const RANK: Readonly<Record<Role, number>> = { viewer: 0, editor: 1, admin: 2 };

export function hasRole(session: ConsoleSessionView, role: Role): boolean {
  return RANK[session.user.role] >= RANK[role];
}

/** Refuses (403) a user whose role is below `role`; after requireSession. */
export function requireRole(role: Role): RequestHandler {
  return (_req, res, next) => {
    if (hasRole(sessionOf(res), role)) next();
    else
      next(new ForbiddenError(`This needs the ${role} role.`, "ROLE_REQUIRED"));
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function formToken(req: Request): string {
  const body: unknown = req.body;
  const field =
    typeof body === "object" && body !== null && "_csrf" in body
      ? body._csrf
      : undefined;
  return typeof field === "string" ? field : (req.get("x-csrf-token") ?? "");
}

/**
 * Synchronizer token: every state-changing request must carry the session's CSRF token (form
 * field `_csrf` or header X-CSRF-Token). SameSite=Lax already stops most cross-site posts; this
 * also covers old browsers and same-site subdomains.
 */
export function verifyCsrf(): RequestHandler {
  return (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") {
      next();
      return;
    }
    if (sameToken(formToken(req), sessionOf(res).csrfToken)) next();
    else next(csrfRefused());
  };
}

function csrfRefused(): ForbiddenError {
  return new ForbiddenError(
    "This form has expired or did not come from the console; reload the page and try again.",
    "CSRF_TOKEN_INVALID",
  );
}

/** For a route that reads its own body (a multipart upload): throws unless `token` is the session's. */
export function assertCsrfToken(res: Response, token: string): void {
  if (!sameToken(token, sessionOf(res).csrfToken)) throw csrfRefused();
}

/** A fresh double-submit token for the sign-in form, set as a cookie. */
export function issueSignInToken(res: Response, names: CookieNames): string {
  const token = randomToken(24);
  setCookie(res, names, names.signIn, token, 3_600_000);
  return token;
}

export function hasValidSignInToken(req: Request, names: CookieNames): boolean {
  const cookie = readCookie(req, names.signIn);
  return (
    cookie !== undefined && cookie !== "" && sameToken(formToken(req), cookie)
  );
}
