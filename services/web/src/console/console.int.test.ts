// The console's access rules, through the real router on port 0 against the run's PostgreSQL:
// every route needs a session, every change its CSRF token, and roles hold on the server.
import { randomUUID } from "node:crypto";

import { createManualClock, type ManualClock, sha256Hex } from "@beklijf/core";
import {
  createConnection,
  createConsoleUser,
  type PrismaClient,
  type Role,
} from "@beklijf/db";
import { planNudges } from "@beklijf/rules";
import {
  aLearner,
  aPlannedCompletion,
  type ListeningServer,
  testDb,
  testLogger,
} from "@beklijf/testing";
import type { Router } from "express";

import { consoleRouter, PUBLIC_CONSOLE_ROUTES } from "./router";
import {
  aConsoleTenant,
  type Answer,
  type ConsoleClient,
  consoleClient,
  cookieOf,
  serveConsole,
  TEST_PASSWORD,
} from "./test-client";

const LIMITS = { idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 };

describe("the console", () => {
  let db: PrismaClient;
  let clock: ManualClock;
  let server: ListeningServer;
  let router: Router;
  let tenantId: string;
  let slug: string;
  let emails: Record<Role, string>;

  const client = () => consoleClient(server.url, TEST_PASSWORD);
  const request: ConsoleClient["request"] = (...args) =>
    client().request(...args);
  const cookieValue = (answer: Answer, name: string) => cookieOf(answer, name);
  const signIn: ConsoleClient["signIn"] = (...args) => client().signIn(...args);

  beforeAll(async () => {
    db = testDb();
    clock = createManualClock(new Date("2026-03-02T09:00:00Z"));
    ({ tenantId, slug, emails } = await aConsoleTenant(
      db,
      "console",
      TEST_PASSWORD,
    ));
    const deps = {
      db,
      clock,
      logger: testLogger,
      secret: "s".repeat(32),
      publicUrl: "http://localhost",
    };
    router = consoleRouter(deps, { sessionLimits: LIMITS, tenantSlug: slug });
    server = await serveConsole(deps, router);
  });
  afterAll(async () => {
    await server.close();
    await db.$disconnect();
  });

  describe("without a session", () => {
    // Every route the router knows, from its own stack: a route added later is checked too.
    const routes = () =>
      router.stack.flatMap((layer) => {
        const route = layer.route as
          { path: unknown; methods?: Record<string, boolean> } | undefined;
        if (route === undefined || typeof route.path !== "string") return [];
        return Object.keys(route.methods ?? {}).map((m) => ({
          method: m.toUpperCase(),
          path: route.path as string,
        }));
      });

    it("knows a good number of routes", () => {
      expect(routes().length).toBeGreaterThan(15);
    });

    it("redirects every page to the sign-in page and answers 401 for the JSON routes", async () => {
      for (const { method, path } of routes()) {
        if (PUBLIC_CONSOLE_ROUTES.includes(`${method} ${path}`)) continue;
        const url = `/console${path.replace(/:id/g, randomUUID())}`;
        const answer = await request(
          method,
          url,
          method === "GET" ? {} : { form: { x: "1" } },
        );
        if (path.startsWith("/api/"))
          expect({ url, method, status: answer.status }).toEqual({
            url,
            method,
            status: 401,
          });
        else {
          expect({ url, method, status: answer.status }).toEqual({
            url,
            method,
            status: 303,
          });
          expect(answer.location).toMatch(/^\/console\/sign-in\?next=/);
        }
      }
    });

    const forms = () =>
      routes().filter(
        ({ method, path }) =>
          method !== "GET" &&
          !PUBLIC_CONSOLE_ROUTES.includes(`${method} ${path}`),
      );
    const urlOf = (path: string) =>
      `/console${path.replace(/:id/g, randomUUID()).replace(/:template/g, "commit")}`;

    it("refuses every form without the session's CSRF token (403), even an admin's", async () => {
      const { cookie } = await signIn(emails.admin);
      expect(forms().length).toBeGreaterThan(10);
      for (const { method, path } of forms()) {
        const url = urlOf(path);
        const answer = await request(method, url, { cookie, form: { x: "1" } });
        expect({ url, status: answer.status }).toEqual({ url, status: 403 });
      }
    });

    it("lets a viewer change nothing but their own session and language (403)", async () => {
      const { cookie, csrf } = await signIn(emails.viewer);
      const own = ["POST /language", "POST /sign-out"];
      for (const { method, path } of forms()) {
        if (own.includes(`${method} ${path}`)) continue;
        const url = urlOf(path);
        const answer = await request(method, url, {
          cookie,
          form: { _csrf: csrf, x: "1" },
        });
        expect({ url, status: answer.status }).toEqual({ url, status: 403 });
      }
    });

    it("guards Bull Board and unknown paths too", async () => {
      expect((await request("GET", "/console/operators/queues/")).status).toBe(
        303,
      );
      expect((await request("GET", "/console/no-such-page")).status).toBe(303);
    });
  });

  describe("signing in", () => {
    it("refuses a wrong password with the same message as an unknown account", async () => {
      const wrong = await signIn(emails.viewer, "not the password");
      const unknown = await signIn("nobody@example.com", "whatever it is");
      expect(wrong.answer.status).toBe(401);
      expect(unknown.answer.status).toBe(401);
      const message = "The email address or password is not right";
      expect(wrong.answer.body).toContain(message);
      expect(unknown.answer.body).toContain(message);
      expect(cookieValue(wrong.answer, "beklijf_console")).toBeUndefined();
    });

    it("refuses a sign-in form without its token", async () => {
      const answer = await request("POST", "/console/sign-in", {
        form: { email: emails.admin, password: TEST_PASSWORD },
      });
      expect(answer.status).toBe(403);
      expect(cookieValue(answer, "beklijf_console")).toBeUndefined();
    });

    it("sets an HttpOnly, SameSite=Lax session cookie and stores only its hash", async () => {
      const { answer } = await signIn(emails.editor);
      expect(answer.status).toBe(303);
      expect(answer.location).toBe("/console/rules");
      const set = answer.cookies.find((c) => c.startsWith("beklijf_console="));
      expect(set).toMatch(/HttpOnly/);
      expect(set).toMatch(/SameSite=Lax/);
      const value = cookieValue(answer, "beklijf_console") ?? "";
      expect(
        await db.consoleSession.count({ where: { tokenHash: value } }),
      ).toBe(0);
      expect(
        await db.consoleSession.count({
          where: { tokenHash: sha256Hex(value) },
        }),
      ).toBe(1);
    });

    it("blocks an account after five failures, even with the right password", async () => {
      const email = `locked-${randomUUID().slice(0, 8)}@example.com`;
      await createConsoleUser(db, {
        tenantId,
        email,
        name: "x",
        role: "viewer",
        password: TEST_PASSWORD,
      });
      for (let i = 0; i < 5; i += 1) await signIn(email, "wrong password!");
      const { answer } = await signIn(email);
      expect(answer.status).toBe(429);
    });

    it("gives a new session id on each sign-in and ends it on sign-out", async () => {
      const first = await signIn(emails.viewer);
      const second = await signIn(emails.viewer);
      expect(first.cookie).not.toBe(second.cookie);
      const out = await request("POST", "/console/sign-out", {
        cookie: second.cookie,
        form: { _csrf: second.csrf },
      });
      expect(out.status).toBe(303);
      expect(
        (await request("GET", "/console/rules", { cookie: second.cookie }))
          .status,
      ).toBe(303);
      expect(
        (await request("GET", "/console/rules", { cookie: first.cookie }))
          .status,
      ).toBe(200);
    });
  });

  describe("sessions", () => {
    it("end after the idle time and after the absolute time", async () => {
      const idle = await signIn(emails.viewer);
      clock.advance(LIMITS.idleMs + 1000);
      const afterIdle = await request("GET", "/console/rules", {
        cookie: idle.cookie,
      });
      expect(afterIdle.status).toBe(303);
      expect(afterIdle.location).toContain("expired=1");

      const busy = await signIn(emails.viewer);
      for (
        let spent = 0;
        spent < LIMITS.absoluteMs;
        spent += LIMITS.idleMs / 2
      ) {
        clock.advance(LIMITS.idleMs / 2);
        if (spent + LIMITS.idleMs / 2 < LIMITS.absoluteMs)
          expect(
            (await request("GET", "/console/rules", { cookie: busy.cookie }))
              .status,
          ).toBe(200);
      }
      expect(
        (await request("GET", "/console/rules", { cookie: busy.cookie }))
          .status,
      ).toBe(303);
    });
  });

  describe("CSRF and roles", () => {
    it("refuses a form without its CSRF token (403)", async () => {
      const { cookie } = await signIn(emails.admin);
      const answer = await request("POST", "/console/connections", {
        cookie,
        form: { name: "no-token" },
      });
      expect(answer.status).toBe(403);
      expect(answer.body).toContain("reload the page");
      expect(
        await db.connection.count({ where: { tenantId, name: "no-token" } }),
      ).toBe(0);
    });

    it("lets a viewer read rules but not change them (403)", async () => {
      const { cookie, csrf } = await signIn(emails.viewer);
      const rule = await db.rule.findFirstOrThrow({
        where: { ruleSet: { tenantId } },
      });
      expect(
        (await request("GET", `/console/rules/${rule.id}`, { cookie })).status,
      ).toBe(200);
      const answer = await request(
        "POST",
        `/console/rules/${rule.id}/enabled`,
        {
          cookie,
          form: { _csrf: csrf, enabled: "false" },
        },
      );
      expect(answer.status).toBe(403);
      expect(
        (await db.rule.findUniqueOrThrow({ where: { id: rule.id } })).enabled,
      ).toBe(true);
    });

    it("keeps connections, users and operators for admins", async () => {
      const { cookie, csrf } = await signIn(emails.editor);
      expect((await request("GET", "/console/users", { cookie })).status).toBe(
        403,
      );
      expect(
        (await request("GET", "/console/operators", { cookie })).status,
      ).toBe(403);
      const { connection } = await createConnection(db, {
        tenantId,
        name: `c-${randomUUID().slice(0, 6)}`,
      });
      const rotate = await request(
        "POST",
        `/console/connections/${connection.id}/rotate`,
        {
          cookie,
          form: { _csrf: csrf },
        },
      );
      expect(rotate.status).toBe(403);
    });
  });

  describe("rules", () => {
    it("shows the parser's problems next to the field and saves a valid edit as a new version", async () => {
      const { cookie, csrf } = await signIn(emails.editor);
      const rule = await db.rule.findFirstOrThrow({
        where: { ruleSet: { tenantId } },
      });
      const bad = await request("POST", `/console/rules/${rule.id}`, {
        cookie,
        form: {
          _csrf: csrf,
          basedOn: "1",
          definition: '{"key":"follow-up","steps":[]}',
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain("must have at least one step");
      expect(bad.body).toContain('aria-invalid="true"');

      const page = await request("GET", `/console/rules/${rule.id}`, {
        cookie,
      });
      const text =
        /<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(page.body)?.[1] ?? "";
      const definition = JSON.parse(
        text
          .replaceAll("&quot;", '"')
          .replaceAll("&#x3D;", "=")
          .replaceAll("&amp;", "&"),
      ) as Record<string, unknown>;
      const good = await request("POST", `/console/rules/${rule.id}`, {
        cookie,
        form: {
          _csrf: csrf,
          basedOn: "1",
          definition: JSON.stringify({ ...definition, name: "Edited" }),
        },
      });
      expect(good.status).toBe(303);
      const versions = await db.ruleVersion.findMany({
        where: { ruleId: rule.id },
        orderBy: { version: "asc" },
      });
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
      expect((versions[1]?.definition as { name: string }).name).toBe("Edited");
      expect((versions[0]?.definition as { name: string }).name).not.toBe(
        "Edited",
      );
      const stale = await request("POST", `/console/rules/${rule.id}`, {
        cookie,
        form: {
          _csrf: csrf,
          basedOn: "1",
          definition: JSON.stringify(definition),
        },
      });
      expect(stale.status).toBe(409);
    });

    it("previews moving running plans to the current version, then moves them on confirm (editors)", async () => {
      const { cookie, csrf } = await signIn(emails.editor);
      const rule = await db.rule.findFirstOrThrow({
        where: { ruleSet: { tenantId } },
        include: { versions: { orderBy: { version: "desc" } } },
      });
      await aPlannedCompletion(db, {
        tenantId,
        learner: aLearner(),
        locale: "nl",
        clock,
        planNudges,
      });
      const latest = rule.versions[0];
      const definition = latest?.definition as { steps: { key: string }[] };
      const saved = await request("POST", `/console/rules/${rule.id}`, {
        cookie,
        form: {
          _csrf: csrf,
          basedOn: String(latest?.version),
          definition: JSON.stringify({
            ...definition,
            steps: definition.steps.filter((step) => step.key !== "reflect"),
          }),
        },
      });
      expect(saved.status).toBe(303);

      const viewer = await signIn(emails.viewer);
      expect(
        (
          await request("POST", `/console/rules/${rule.id}/migrate`, {
            cookie: viewer.cookie,
            form: { _csrf: viewer.csrf, confirm: "yes" },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await request("POST", `/console/rules/${rule.id}/migrate`, {
            cookie,
            form: {},
          })
        ).status,
      ).toBe(403);

      const preview = await request(
        "POST",
        `/console/rules/${rule.id}/migrate`,
        {
          cookie,
          form: { _csrf: csrf },
        },
      );
      expect(preview.status).toBe(200);
      expect(preview.body).toContain(
        "Running plans that would move to version 3: 1 (Version 2: 1)",
      );
      expect(preview.body).toMatch(
        /<th scope="row"><code>reflect<\/code><\/th><td>0<\/td><td>0<\/td><td>1<\/td>/,
      );
      expect(
        await db.plannedNudge.count({
          where: { tenantId, stepKey: "reflect", status: "planned" },
        }),
      ).toBe(1);

      const confirmed = await request(
        "POST",
        `/console/rules/${rule.id}/migrate`,
        {
          cookie,
          form: { _csrf: csrf, confirm: "yes" },
        },
      );
      expect(confirmed.status).toBe(303);
      expect(confirmed.location).toBe(`/console/rules/${rule.id}?migrated=1`);
      expect(
        await db.plannedNudge.count({
          where: { tenantId, stepKey: "reflect", status: "planned" },
        }),
      ).toBe(0);
    });
  });
});
