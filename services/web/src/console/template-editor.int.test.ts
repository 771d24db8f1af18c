// Saving, reverting and previewing a tenant's templates in the console and through
// /api/templates: the real console router and API on port 0, the run's PostgreSQL, the
// werkplekleren pack and a real SMTP sink on loopback for test sends.
import path from "node:path";

import {
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "@beklijf/content";
import { createManualClock } from "@beklijf/core";
import { createApiToken, type PrismaClient, type Role } from "@beklijf/db";
import { createTestSender, type TestSender } from "@beklijf/mailer";
import {
  type ListeningServer,
  type SmtpSink,
  startSmtpSink,
  testDb,
  testLogger,
} from "@beklijf/testing";

import { mailApiRouter } from "../routes/mail-api";
import { templatesApiRouter } from "../routes/templates-api";
import { consoleRouter } from "./router";
import {
  aConsoleTenant,
  type ConsoleClient,
  consoleClient,
  serveConsole,
  TEST_PASSWORD,
} from "./test-client";

/** The fields of the API's answers these tests read (each answer has some of them). */
interface ApiBody {
  readonly error: {
    code: string;
    message: string;
    issues: { path: unknown[]; message: string }[];
  };
  readonly subject: string;
  readonly parts: { subject: string };
}
const BUTTON = '{{> button href=links.action label="Schrijf het op"}}';

describe("editing templates (console and /api/templates)", () => {
  const clock = createManualClock(new Date("2026-03-02T09:00:00Z"));
  let db: PrismaClient;
  let server: ListeningServer;
  let client: ConsoleClient;
  let sink: SmtpSink;
  let sender: TestSender;
  let pack: ContentPack;
  let tenantId: string;
  let emails: Record<Role, string>;
  let tokens: Record<Role, string>;

  const versions = (template: string, locale: string) =>
    db.templateVersion.count({ where: { tenantId, template, locale } });
  const api = async (
    method: string,
    url: string,
    options: { role?: Role | "none"; body?: unknown } = {},
  ) => {
    const role = options.role ?? "editor";
    const response = await fetch(`${server.url}/api${url}`, {
      method,
      headers: {
        ...(role === "none" ? {} : { authorization: `Bearer ${tokens[role]}` }),
        ...(options.body === undefined
          ? {}
          : { "content-type": "application/json" }),
      },
      ...(options.body === undefined
        ? {}
        : { body: JSON.stringify(options.body) }),
    });
    return {
      status: response.status,
      body: (await response.json()) as ApiBody,
    };
  };

  beforeAll(async () => {
    db = testDb();
    sink = await startSmtpSink();
    sender = createTestSender(sink.url, "Academie <academie@example.test>");
    pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
    const made = await aConsoleTenant(db, "templates", TEST_PASSWORD);
    ({ tenantId, emails } = made);
    tokens = {
      admin: await createApiToken(db, { tenantId, name: "a", role: "admin" }),
      editor: await createApiToken(db, {
        tenantId,
        name: "lms",
        role: "editor",
      }),
      viewer: await createApiToken(db, { tenantId, name: "v", role: "viewer" }),
    };
    const deps = {
      db,
      clock,
      logger: testLogger,
      secret: "s".repeat(32),
      publicUrl: "http://localhost",
      mail: {
        pack,
        sendTest: (m: Parameters<TestSender["send"]>[0]) => sender.send(m),
      },
    };
    server = await serveConsole(
      deps,
      consoleRouter(deps, { tenantSlug: made.slug }),
      (app) => {
        app.use("/api", mailApiRouter(deps));
        app.use("/api", templatesApiRouter(deps));
      },
    );
    client = consoleClient(server.url, TEST_PASSWORD);
  });
  afterAll(async () => {
    await server.close();
    await sender.close();
    await sink.close();
    await db.$disconnect();
  });

  describe("in the console", () => {
    it("refuses a save with an unknown variable, naming template, locale and line, and stores nothing", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const answer = await client.request(
        "POST",
        "/console/content/reflect/save",
        {
          cookie,
          form: {
            _csrf: csrf,
            locale: "nl",
            subject: "Hoi {{recipient.givenName}}",
            html: `<p>Hoi</p>\n<p>{{learner.shoeSize}}</p>\n${BUTTON}`,
          },
        },
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toMatch(
        /<code>reflect<\/code>, language <code>nl<\/code>, part <code>html<\/code>, line 2/,
      );
      expect(answer.body).toContain("&quot;shoeSize&quot; not defined");
      // What was typed comes back in the form.
      expect(answer.body).toContain("{{learner.shoeSize}}");
      expect(answer.body).toMatch(/id="html"[^>]*aria-invalid="true"/);
      expect(await versions("reflect", "nl")).toBe(0);
    });

    it("refuses a save without the session's CSRF token, or by a viewer, and stores nothing", async () => {
      const form = {
        locale: "nl",
        subject: "Ongevraagd",
        html: `<p>x</p>${BUTTON}`,
      };
      const editor = await client.signIn(emails.editor);
      const forged = await client.request(
        "POST",
        "/console/content/goals/save",
        {
          cookie: editor.cookie,
          form,
        },
      );
      expect(forged.status).toBe(403);
      const viewer = await client.signIn(emails.viewer);
      const refused = await client.request(
        "POST",
        "/console/content/goals/save",
        {
          cookie: viewer.cookie,
          form: { ...form, _csrf: viewer.csrf },
        },
      );
      expect(refused.status).toBe(403);
      const page = await client.request("GET", "/console/content/goals", {
        cookie: viewer.cookie,
      });
      expect(page.body).toContain("readonly");
      expect(page.body).not.toContain('src="/console/content/editor.js"');
      expect(await versions("goals", "nl")).toBe(0);
    });

    it("saves an edit as version 1, shows it in the history and previews, test-sends it, and reverts", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const saved = await client.request(
        "POST",
        "/console/content/commit/save",
        {
          cookie,
          form: {
            _csrf: csrf,
            locale: "nl",
            baseVersion: "0",
            subject: "Onze eigen vraag over {{training.name}}",
            html: `<p>Hoi {{recipient.givenName}}, onze eigen tekst.</p>\n${BUTTON}`,
            text: "",
          },
        },
      );
      expect(saved.status).toBe(303);
      expect(saved.location).toBe("/console/content/commit?locale=nl&saved=1");
      const page = await client.request("GET", saved.location ?? "", {
        cookie,
      });
      expect(page.body).toContain("Saved as version 1.");
      expect(page.body).toMatch(/Used now: <strong>saved version 1<\/strong>/);
      expect(page.body).toContain(emails.editor);
      expect(page.body).toContain("Onze eigen vraag over Feedback geven");
      expect(page.body).toContain('src="/console/content/editor.js"');
      const list = await client.request("GET", "/console/content", { cookie });
      expect(list.body).toMatch(
        /Onze eigen vraag over \{\{training\.name\}\}<\/a> <span class="badge on">saved version<\/span>/,
      );

      const sent = await client.request(
        "POST",
        "/console/content/commit/test-send",
        {
          cookie,
          form: { _csrf: csrf, locale: "nl", to: "l-and-d@example.test" },
        },
      );
      expect(sent.status).toBe(200);
      const mail = await sink.waitFor(
        (m) => m.to.includes("l-and-d@example.test"),
        10_000,
      );
      expect(mail.subject).toContain("Onze eigen vraag over Feedback geven");

      // A stale form (opened before version 1) is refused, not silently forked.
      const stale = await client.request(
        "POST",
        "/console/content/commit/save",
        {
          cookie,
          form: {
            _csrf: csrf,
            locale: "nl",
            baseVersion: "0",
            subject: "Later",
            html: `<p>x</p>${BUTTON}`,
          },
        },
      );
      expect(stale.status).toBe(409);

      const toPack = await client.request(
        "POST",
        "/console/content/commit/revert",
        {
          cookie,
          form: { _csrf: csrf, locale: "nl", version: "0", baseVersion: "1" },
        },
      );
      expect(toPack.status).toBe(303);
      const packPage = await client.request(
        "GET",
        "/console/content/commit?locale=nl",
        {
          cookie,
        },
      );
      expect(packPage.body).toMatch(
        /Used now: <strong>the pack&#x27;s text<\/strong>/,
      );
      expect(packPage.body).toContain("back to the pack&#x27;s text");
      const again = await client.request(
        "POST",
        "/console/content/commit/revert",
        {
          cookie,
          form: { _csrf: csrf, locale: "nl", version: "1", baseVersion: "2" },
        },
      );
      expect(again.location).toBe("/console/content/commit?locale=nl&saved=3");
      const back = await client.request("GET", again.location ?? "", {
        cookie,
      });
      expect(back.body).toMatch(/Used now: <strong>saved version 3<\/strong>/);
      expect(back.body).toContain("back to version 1");
      expect(await versions("commit", "nl")).toBe(3);
    });

    it("previews an unsaved edit as JSON for the live preview, with the problem of a broken one", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const preview = (html: string) =>
        client.request("POST", "/console/api/content/retrieval/preview", {
          cookie,
          form: {
            _csrf: csrf,
            locale: "en",
            subject: "Draft {{training.name}}",
            html,
          },
        });
      const good = await preview(`<p>Draft body</p>${BUTTON}`);
      expect(good.status).toBe(200);
      const body = JSON.parse(good.body) as {
        previews: { locale: string; subject?: string; html?: string }[];
        problem?: unknown;
      };
      expect(body.problem).toBeUndefined();
      const en = body.previews.find((p) => p.locale === "en");
      expect(en?.subject).toBe("Draft Giving feedback");
      expect(en?.html).toContain("Draft body");
      expect(
        body.previews.find((p) => p.locale === "nl")?.subject,
      ).not.toContain("Draft");
      const bad = JSON.parse(
        (await preview(`<p>a</p>\n{{{recipient.name}}}${BUTTON}`)).body,
      ) as { problem: { part: string; line: number; text: string } };
      expect(bad.problem).toMatchObject({ part: "html", line: 2 });
      expect(bad.problem.text).toContain("unescaped output");
      const forged = await client.request(
        "POST",
        "/console/api/content/retrieval/preview",
        { cookie, form: { locale: "en", subject: "x", html: "y" } },
      );
      expect(forged.status).toBe(403);
      expect(await versions("retrieval", "en")).toBe(0);
    });
  });

  describe("through /api/templates", () => {
    it("needs an API token (401), and the editor role to save (403)", async () => {
      expect((await api("GET", "/templates", { role: "none" })).status).toBe(
        401,
      );
      expect(
        (await api("GET", "/templates/apply/en", { role: "none" })).status,
      ).toBe(401);
      const refused = await api("PUT", "/templates/apply/en", {
        role: "viewer",
        body: { subject: "x", html: `<p>x</p>${BUTTON}` },
      });
      expect(refused.status).toBe(403);
      expect(await versions("apply", "en")).toBe(0);
    });

    it("lists and reads templates, saves a checked edit, refuses a bad one with template, locale and line, and reverts", async () => {
      const list = await api("GET", "/templates", { role: "viewer" });
      expect(list.status).toBe(200);
      expect(list.body).toContainEqual(
        expect.objectContaining({
          template: "apply",
          locale: "en",
          source: "pack",
          version: 0,
        }),
      );
      const bad = await api("PUT", "/templates/apply/en", {
        body: {
          subject: "Apply {{training.name}}",
          html: `<p>Hi</p>\n<p>{{recipient.age}}</p>\n${BUTTON}`,
        },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe("TEMPLATE_INVALID");
      expect(bad.body.error.message).toContain(
        'Template "apply" (en, html, line 2) failed to render: "age" not defined',
      );
      expect(bad.body.error.issues).toHaveLength(1);
      expect(bad.body.error.issues[0]?.path).toEqual(["html"]);
      expect(bad.body.error.issues[0]?.message).toMatch(/^line 2: /);
      const noAction = await api("PUT", "/templates/apply/en", {
        body: { subject: "Apply", html: "<p>No link</p>" },
      });
      expect(noAction.status).toBe(400);
      expect(noAction.body.error.message).toContain("action link is missing");
      expect(await versions("apply", "en")).toBe(0);

      const saved = await api("PUT", "/templates/apply/en", {
        body: {
          subject: "Time to apply {{training.name}}",
          html: `<p>Our own words.</p>\n${BUTTON}`,
          baseVersion: 0,
        },
      });
      expect(saved.status).toBe(200);
      expect(saved.body).toMatchObject({
        source: "saved",
        version: 1,
        parts: { subject: "Time to apply {{training.name}}" },
        versions: [{ version: 1, source: "saved", savedBy: "api token lms" }],
      });
      const preview = await api("POST", "/preview", {
        body: { template: "apply", locale: "en" },
      });
      expect(preview.body.subject).toBe("Time to apply Giving feedback");
      const conflict = await api("PUT", "/templates/apply/en", {
        body: { subject: "x", html: `<p>x</p>${BUTTON}`, baseVersion: 0 },
      });
      expect(conflict.status).toBe(409);

      const reverted = await api("PUT", "/templates/apply/en", {
        body: { revertTo: 0 },
      });
      expect(reverted.body).toMatchObject({ source: "pack", version: 2 });
      expect(reverted.body.parts.subject).toBe(
        pack.sources.templates["en"]?.["apply"]?.subject,
      );
      expect(
        (await api("PUT", "/templates/apply/en", { body: { revertTo: 9 } }))
          .status,
      ).toBe(404);
      expect((await api("GET", "/templates/nope/en")).status).toBe(404);
      expect((await api("GET", "/templates/apply/de")).status).toBe(404);
    });
  });
});
