// For the console's integration tests: a cookie-carrying HTTP client that signs in through the
// real form, as a browser without JavaScript does.
import { randomUUID } from "node:crypto";

import {
  createConsoleUser,
  ensureTenant,
  type PrismaClient,
  type Role,
  syncRuleSet,
} from "@beklijf/db";
import {
  anAfterCompletionRule,
  type ListeningServer,
  listenOnFreePort,
} from "@beklijf/testing";
import express, { type Express, type Router } from "express";

import type { WebDeps } from "../deps";
import { errorHandler } from "../http/errors";

/** The console users' password in these tests. */
export const TEST_PASSWORD = "correct horse battery staple";

/**
 * The console router at /console (and what `mount` adds after it, e.g. /api routes) on a free
 * port, with the web's error handler, as the web app mounts them.
 */
export function serveConsole(
  deps: Pick<WebDeps, "logger">,
  router: Router,
  mount?: (app: Express) => void,
): Promise<ListeningServer> {
  const app = express();
  app.use("/console", router);
  mount?.(app);
  app.use(errorHandler(deps));
  return listenOnFreePort(app);
}

export interface Answer {
  readonly status: number;
  readonly location: string | null;
  readonly body: string;
  readonly cookies: string[];
}

export interface ConsoleClient {
  request(
    method: string,
    path: string,
    options?: {
      cookie?: string;
      form?: Record<string, string>;
      headers?: Record<string, string>;
    },
  ): Promise<Answer>;
  /** Signs in through the form; returns the Cookie header and a page's CSRF token. */
  signIn(
    email: string,
    password?: string,
  ): Promise<{ answer: Answer; cookie: string; csrf: string }>;
}

export function cookieOf(answer: Answer, name: string): string | undefined {
  return answer.cookies
    .find((c) => c.startsWith(`${name}=`))
    ?.split(";")[0]
    ?.slice(name.length + 1);
}

export function csrfOf(body: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? "";
}

export function consoleClient(
  baseUrl: string,
  defaultPassword: string,
): ConsoleClient {
  const request: ConsoleClient["request"] = async (
    method,
    path,
    options = {},
  ) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      redirect: "manual",
      headers: {
        "accept-language": "en",
        ...(options.cookie === undefined ? {} : { cookie: options.cookie }),
        ...(options.form === undefined
          ? {}
          : { "content-type": "application/x-www-form-urlencoded" }),
        ...options.headers,
      },
      ...(options.form === undefined
        ? {}
        : { body: new URLSearchParams(options.form).toString() }),
    });
    return {
      status: response.status,
      location: response.headers.get("location"),
      body: await response.text(),
      cookies: response.headers.getSetCookie(),
    };
  };
  return {
    request,
    signIn: async (email, password = defaultPassword) => {
      const form = await request("GET", "/console/sign-in");
      const answer = await request("POST", "/console/sign-in", {
        cookie: `beklijf_sign_in=${cookieOf(form, "beklijf_sign_in") ?? ""}`,
        form: {
          _csrf: csrfOf(form.body),
          email,
          password,
          next: "/console/rules",
        },
      });
      const cookie = `beklijf_console=${cookieOf(answer, "beklijf_console") ?? ""}`;
      const page = await request("GET", "/console/rules", { cookie });
      return { answer, cookie, csrf: csrfOf(page.body) };
    },
  };
}

/**
 * A tenant of its own with one console user per role (random addresses, password `password`)
 * and a rule set "test" holding the rule "follow-up".
 */
export async function aConsoleTenant(
  db: PrismaClient,
  label: string,
  password: string,
): Promise<{ tenantId: string; slug: string; emails: Record<Role, string> }> {
  const slug = `${label}-${randomUUID().slice(0, 8)}`;
  const tenantId = (await ensureTenant(db, slug)).id;
  const emails: Record<Role, string> = {
    admin: `admin-${randomUUID().slice(0, 8)}@example.com`,
    editor: `editor-${randomUUID().slice(0, 8)}@example.com`,
    viewer: `viewer-${randomUUID().slice(0, 8)}@example.com`,
  };
  for (const role of ["admin", "editor", "viewer"] as const)
    await createConsoleUser(db, {
      tenantId,
      email: emails[role],
      name: role,
      role,
      password,
    });
  await syncRuleSet(db, {
    tenantId,
    key: "test",
    name: "Test",
    rules: [anAfterCompletionRule({ key: "follow-up" })],
  });
  return { tenantId, slug, emails };
}
