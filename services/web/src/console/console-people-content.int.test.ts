// People, simulation, content and pull settings in the console, through the real router on
// port 0: the run's PostgreSQL, the werkplekleren pack and a real SMTP sink on loopback.
import { randomUUID } from "node:crypto";
import path from "node:path";

import {
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "@beklijf/content";
import { createManualClock } from "@beklijf/core";
import {
  createConnection,
  type PrismaClient,
  storeStatements,
  upsertPerson,
} from "@beklijf/db";
import { createTestSender, type TestSender } from "@beklijf/mailer";
import { statementHandOff } from "@beklijf/queue";
import {
  aCompletedStatement,
  type ListeningServer,
  type SmtpSink,
  startSmtpSink,
  storeStatement,
  testDb,
  testLogger,
} from "@beklijf/testing";
import { prepareStatement } from "@beklijf/xapi";

import { consoleRouter } from "./router";
import {
  aConsoleTenant,
  type ConsoleClient,
  consoleClient,
  serveConsole,
  TEST_PASSWORD,
} from "./test-client";

describe("the console's people, simulation, content and pull pages", () => {
  const clock = createManualClock(new Date("2026-03-02T09:00:00Z"));
  let db: PrismaClient;
  let server: ListeningServer;
  let client: ConsoleClient;
  let sink: SmtpSink;
  let sender: TestSender;
  let pack: ContentPack;
  let tenantId: string;
  let emails: { admin: string; editor: string; viewer: string };
  const tag = randomUUID().slice(0, 6);

  /** Posts a CSV through the multipart import form, `_csrf` first as the page does. */
  const upload = async (cookie: string, csrf: string, csv: string) => {
    const form = new FormData();
    form.append("_csrf", csrf);
    form.append("file", new Blob([csv], { type: "text/csv" }), "people.csv");
    const response = await fetch(`${server.url}/console/people/import`, {
      method: "POST",
      headers: { cookie, "accept-language": "en" },
      body: form,
      redirect: "manual",
    });
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    db = testDb();
    sink = await startSmtpSink();
    sender = createTestSender(sink.url, "Academie <academie@example.test>");
    pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
    const made = await aConsoleTenant(db, "console-people", TEST_PASSWORD);
    tenantId = made.tenantId;
    emails = made.emails;
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
    );
    client = consoleClient(server.url, TEST_PASSWORD);
  });
  afterAll(async () => {
    await server.close();
    await sender.close();
    await sink.close();
    await db.$disconnect();
  });

  describe("people", () => {
    it("imports a CSV upload and reports the bad row with its line, column and what to write", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const answer = await upload(
        cookie,
        csrf,
        [
          "email,name,externalId,timeZone",
          `anna-${tag}@example.nl,Anna de Vries,HR-${tag}-1,Europe/Amsterdam`,
          `bert-${tag}@example.nl,Bert,HR-${tag}-2,Europe/Amsterdam`,
          `not-an-address,Carla,HR-${tag}-3,Europe/Amsterdam`,
        ].join("\n"),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatch(
        /Rows read: 3 · Created: 2 · Updated: 0 · Not imported: 1/,
      );
      expect(answer.body).toMatch(
        /<td class="num">4<\/td><td><code>email<\/code><\/td><td>must be an email address/,
      );
      expect(
        await db.person.count({
          where: { tenantId, externalId: { startsWith: `HR-${tag}` } },
        }),
      ).toBe(2);
    });

    it("streams a progress bar while a large file imports, then the report on the same page", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const rows = Array.from(
        { length: 600 },
        (_, i) => `bulk-${tag}-${i}@example.nl,Bulk ${i}`,
      );
      rows[400] = "not-an-address,Nobody";
      const answer = await upload(
        cookie,
        csrf,
        ["email,name", ...rows].join("\n"),
      );
      expect(answer.status).toBe(200);
      const bars = [
        ...answer.body.matchAll(
          /<div class="import-step"><progress max="100" value="(\d+)"/g,
        ),
      ].map((match) => Number(match[1]));
      // At least one bar while it ran, and a full one at the end, each no lower than the last.
      expect(bars.length).toBeGreaterThanOrEqual(2);
      expect(bars[bars.length - 1]).toBe(100);
      expect([...bars].sort((a, b) => a - b)).toEqual(bars);
      expect(answer.body).toMatch(
        /Rows read: 600 · Created: 599 · Updated: 0 · Not imported: 1/,
      );
      expect(answer.body).toMatch(/<td class="num">402<\/td>/);
      expect(answer.body.trimEnd()).toMatch(/<\/html>$/);
      expect(
        await db.person.count({
          where: { tenantId, email: { startsWith: `bulk-${tag}-` } },
        }),
      ).toBe(599);
    }, 120_000);

    it("refuses an upload without the session's CSRF token, or by a viewer, and writes nothing", async () => {
      const editor = await client.signIn(emails.editor);
      const forged = await upload(
        editor.cookie,
        "not-the-token",
        `email\nforged-${tag}@example.nl`,
      );
      expect(forged.status).toBe(403);
      const viewer = await client.signIn(emails.viewer);
      const refused = await upload(
        viewer.cookie,
        viewer.csrf,
        `email\nviewer-${tag}@example.nl`,
      );
      expect(refused.status).toBe(403);
      expect(
        await db.person.count({
          where: {
            tenantId,
            email: {
              in: [`forged-${tag}@example.nl`, `viewer-${tag}@example.nl`],
            },
          },
        }),
      ).toBe(0);
      const page = await client.request("GET", "/console/people", {
        cookie: viewer.cookie,
      });
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('action="/console/people/import"');
    });

    it("names an unusable header and imports nothing", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const answer = await upload(cookie, csrf, "mail,naam\nx@example.nl,X\n");
      expect(answer.status).toBe(400);
      expect(answer.body).toContain("Nothing was imported");
      expect(answer.body).toContain("Unknown column &quot;mail&quot;");
    });

    it("finds a person and shows their timeline with each nudge's status and reason", async () => {
      const person = await db.person.findFirstOrThrow({
        where: { tenantId, externalId: `HR-${tag}-1` },
      });
      const statement = await storeStatement({
        db,
        tenantId,
        clock,
        statement: aCompletedStatement({
          learner: { name: "Anna", email: person.email ?? "" },
        }),
      });
      const version = await db.ruleVersion.findFirstOrThrow({
        where: { rule: { ruleSet: { tenantId } } },
      });
      const plan = await db.plan.create({
        data: {
          tenantId,
          entryKey: randomUUID(),
          ruleVersionId: version.id,
          personId: person.id,
          triggerStatementId: statement.id,
          startedAt: clock.now(),
        },
      });
      const nudge = (stepKey: string, status: string, reason: string | null) =>
        db.plannedNudge.create({
          data: {
            tenantId,
            planId: plan.id,
            jobId: `nudge-${randomUUID()}`,
            stepKey,
            recipientKind: "learner",
            recipientPersonId: person.id,
            template: stepKey,
            dueAt: new Date("2026-03-02T13:00:00Z"),
            status,
            reason,
          },
        });
      await nudge("commit", "planned", null);
      await nudge("reflect", "cancelled", "applied already: reported on day 5");

      const { cookie } = await client.signIn(emails.viewer);
      const list = await client.request(
        "GET",
        `/console/people?q=${encodeURIComponent("anna de")}`,
        { cookie },
      );
      expect(list.body).toContain(`href="/console/people/${person.id}"`);
      expect(list.body).not.toContain(`bert-${tag}`);
      const page = await client.request("GET", `/console/people/${person.id}`, {
        cookie,
      });
      expect(page.status).toBe(200);
      expect(page.body).toContain("2026-03-02 14:00");
      expect(page.body).toContain("cancelled");
      expect(page.body).toContain("applied already: reported on day 5");
      expect(
        (
          await client.request("GET", `/console/people/${randomUUID()}`, {
            cookie,
          })
        ).status,
      ).toBe(404);
    });

    it("erases a person for an admin only, after asking, with the session's CSRF token", async () => {
      const { person } = await upsertPerson(db, {
        tenantId,
        person: { email: `erase-${tag}@example.nl`, name: "Eef Erase" },
        defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
      });
      const page = `/console/people/${person.id}`;
      const erase = `${page}/erase`;
      const exists = async () => db.person.count({ where: { id: person.id } });

      const editor = await client.signIn(emails.editor);
      expect(
        (await client.request("GET", page, { cookie: editor.cookie })).body,
      ).not.toContain(`action="${erase}"`);
      const byEditor = await client.request("POST", erase, {
        cookie: editor.cookie,
        form: { _csrf: editor.csrf, confirm: "yes" },
      });
      expect(byEditor.status).toBe(403);

      const admin = await client.signIn(emails.admin);
      const shown = await client.request("GET", page, { cookie: admin.cookie });
      expect(shown.body).toContain(`action="${erase}"`);
      expect(shown.body).not.toContain('name="confirm" value="yes"');
      const asked = await client.request("POST", erase, {
        cookie: admin.cookie,
        form: { _csrf: admin.csrf },
      });
      expect(asked.status).toBe(200);
      expect(asked.body).toContain("Erase this person and all their data?");
      expect(asked.body).toContain('name="confirm" value="yes"');
      const forged = await client.request("POST", erase, {
        cookie: admin.cookie,
        form: { _csrf: "not-the-token", confirm: "yes" },
      });
      expect(forged.status).toBe(403);
      expect(await exists()).toBe(1);

      const erased = await client.request("POST", erase, {
        cookie: admin.cookie,
        form: { _csrf: admin.csrf, confirm: "yes" },
      });
      expect(erased).toMatchObject({
        status: 303,
        location: "/console/people?erased=1",
      });
      expect(await exists()).toBe(0);
      const list = await client.request("GET", "/console/people?erased=1", {
        cookie: admin.cookie,
      });
      expect(list.body).toContain("The person and their data were erased.");
      expect(
        (
          await client.request("POST", erase, {
            cookie: admin.cookie,
            form: { _csrf: admin.csrf, confirm: "yes" },
          })
        ).status,
      ).toBe(404);
    });

    it("counts statements of unknown learners per connection, with a sample and the hint", async () => {
      const { connection } = await createConnection(db, {
        tenantId,
        name: `lms-${tag}`,
      });
      const prepared = prepareStatement(
        {
          ...aCompletedStatement({ learner: { name: "X", email: "x@x.nl" } }),
          actor: {
            objectType: "Agent",
            account: { homePage: "https://lms.example.nl", name: `u-${tag}` },
          },
        },
        { clock },
      );
      if (!prepared.ok) throw new Error("bad statement");
      await storeStatements(db, {
        tenantId,
        connectionId: connection.id,
        statements: [prepared.value],
        handOffs: (ids) =>
          ids.map((id) => ({ tenantId, ...statementHandOff(tenantId, id) })),
      });
      const { cookie } = await client.signIn(emails.viewer);
      const page = await client.request("GET", "/console/people", { cookie });
      expect(page.body).toContain(`lms-${tag}`);
      expect(page.body).toContain(`u-${tag}`);
      expect(page.body).toContain("accountHomePage and accountName");
    });
  });

  describe("simulation", () => {
    it("shows what the rules would plan for a known person, in their local time, and why", async () => {
      const { cookie } = await client.signIn(emails.viewer);
      const query = new URLSearchParams({
        run: "1",
        person: `HR-${tag}-2`,
        verb: "completed",
        activityId: "https://lms.example.nl/course/feedback-geven",
        activityName: "Feedback geven",
        at: "2026-03-02T10:00",
      });
      const page = await client.request(
        "GET",
        `/console/simulate?${query.toString()}`,
        {
          cookie,
        },
      );
      expect(page.status).toBe(200);
      expect(page.body).toContain(`bert-${tag}@example.nl`);
      // 10:00 in Amsterdam + 4 hours, and the reflection a week later.
      expect(page.body).toMatch(/2026-03-02 14:00 Mon \(Europe\/Amsterdam\)/);
      expect(page.body).toContain("An if-then plan soon after the training.");
      expect(page.body).toContain("<strong>reflect</strong>");
      expect(
        await db.plan.count({
          where: { tenantId, person: { externalId: `HR-${tag}-2` } },
        }),
      ).toBe(0);
    });

    it("explains a person it does not know and a missing training next to the form", async () => {
      const { cookie } = await client.signIn(emails.viewer);
      const unknown = await client.request(
        "GET",
        `/console/simulate?run=1&person=nobody-${tag}&activityId=https%3A%2F%2Flms.example.nl%2Fc`,
        { cookie },
      );
      expect(unknown.status).toBe(400);
      expect(unknown.body).toContain(`No person with external id or email`);
      const empty = await client.request("GET", "/console/simulate?run=1", {
        cookie,
      });
      expect(empty.status).toBe(400);
      expect(empty.body).toContain("Enter the training&#x27;s activity id");
    });
  });

  describe("content", () => {
    it("lists the pack's templates per locale and previews one in nl and en in sandboxed iframes", async () => {
      const { cookie } = await client.signIn(emails.viewer);
      const list = await client.request("GET", "/console/content", { cookie });
      expect(list.status).toBe(200);
      for (const name of ["goals", "commit", "reflect", "team-agenda"])
        expect(list.body).toContain(`href="/console/content/${name}"`);
      const page = await client.request("GET", "/console/content/reflect", {
        cookie,
      });
      expect(page.status).toBe(200);
      expect(
        page.body.match(/<iframe class="preview" sandbox="" srcdoc="/g),
      ).toHaveLength(2);
      expect(page.body).toContain("A week after Giving feedback");
      expect(page.body).toContain("Een week na");
      expect(page.body).toContain("readonly");
      expect(page.body).not.toContain(
        'action="/console/content/reflect/check"><',
      );
    });

    it("checks an edit: names template, locale and line of a problem, renders a good one", async () => {
      const { cookie, csrf } = await client.signIn(emails.editor);
      const source = pack.sources.templates["en"]?.["commit"];
      if (source === undefined) throw new Error("no en/commit in the pack");
      const broken = await client.request(
        "POST",
        "/console/content/commit/check",
        {
          cookie,
          form: {
            _csrf: csrf,
            locale: "en",
            subject: source.subject,
            html: `<p>Hi</p>\n<p>{{#if recipient.givenName}}open</p>\n`,
          },
        },
      );
      expect(broken.status).toBe(400);
      expect(broken.body).toContain("The template does not work");
      expect(broken.body).toMatch(
        /<code>commit<\/code>, language <code>en<\/code>/,
      );
      expect(broken.body).toMatch(/line \d/);

      const good = await client.request(
        "POST",
        "/console/content/commit/check",
        {
          cookie,
          form: {
            _csrf: csrf,
            locale: "en",
            subject: source.subject,
            html: `${source.html}\n<p>Edited-${tag}</p>`,
          },
        },
      );
      expect(good.status).toBe(200);
      expect(good.body).toContain("compiles and renders");
      expect(good.body).toContain(`Edited-${tag}`);
      // Nothing is stored: the pack's own preview is unchanged.
      const again = await client.request("GET", "/console/content/commit", {
        cookie,
      });
      expect(again.body).not.toContain(`Edited-${tag}`);
    });

    it("sends a test email through the mail port, for editors only", async () => {
      const editor = await client.signIn(emails.editor);
      const to = `test-${tag}@example.test`;
      const sent = await client.request(
        "POST",
        "/console/content/reflect/test-send",
        {
          cookie: editor.cookie,
          form: { _csrf: editor.csrf, locale: "nl", to },
        },
      );
      expect(sent.status).toBe(200);
      expect(sent.body).toContain(`Test email sent to ${to}`);
      const mail = await sink.waitFor((m) => m.to.includes(to), 10_000);
      expect(mail.subject).toMatch(/^\[test\] /);
      const viewer = await client.signIn(emails.viewer);
      expect(
        (
          await client.request("POST", "/console/content/reflect/test-send", {
            cookie: viewer.cookie,
            form: { _csrf: viewer.csrf, locale: "nl", to },
          })
        ).status,
      ).toBe(403);
      expect(
        (
          await client.request("POST", "/console/content/reflect/test-send", {
            cookie: editor.cookie,
            form: { _csrf: editor.csrf, locale: "nl", to: "nobody" },
          })
        ).status,
      ).toBe(400);
    });
  });

  describe("pull settings", () => {
    it("switches a connection to pull mode, keeps the password write-only and shows the pull health", async () => {
      const { connection } = await createConnection(db, {
        tenantId,
        name: `pull-${tag}`,
      });
      const { cookie, csrf } = await client.signIn(emails.admin);
      const url = `/console/connections/${connection.id}/pull`;
      const noLrs = await client.request("POST", url, {
        cookie,
        form: {
          _csrf: csrf,
          mode: "pull",
          lrsEndpoint: "",
          pullIntervalSeconds: "60",
        },
      });
      expect(noLrs.status).toBe(400);
      expect(noLrs.body).toContain("needs the external LRS");

      const saved = await client.request("POST", url, {
        cookie,
        form: {
          _csrf: csrf,
          mode: "pull",
          lrsEndpoint: "https://lrs.example.test/xapi",
          lrsUsername: "beklijf",
          lrsPassword: `pw-${tag}`,
          pullIntervalSeconds: "120",
          forwardAnswers: "true",
        },
      });
      expect(saved.status).toBe(303);
      const row = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      expect(row).toMatchObject({
        mode: "pull",
        lrsEndpoint: "https://lrs.example.test/xapi",
        pullIntervalSeconds: 120,
        forwardAnswers: true,
      });
      expect(row.lrsPasswordSealed).not.toContain(`pw-${tag}`);

      // Empty password, same LRS: the stored one stays.
      await client.request("POST", url, {
        cookie,
        form: {
          _csrf: csrf,
          mode: "pull",
          lrsEndpoint: "https://lrs.example.test/xapi",
          lrsUsername: "beklijf",
          lrsPassword: "",
          pullIntervalSeconds: "300",
        },
      });
      const kept = await db.connection.findUniqueOrThrow({
        where: { id: connection.id },
      });
      expect(kept.lrsPasswordSealed).toBe(row.lrsPasswordSealed);
      expect(kept.pullIntervalSeconds).toBe(300);

      await db.connection.update({
        where: { id: connection.id },
        data: {
          pullLastError: `LRS answered 401-${tag}`,
          pullConsecutiveFailures: 3,
          pullLastRunAt: clock.now(),
        },
      });
      const page = await client.request(
        "GET",
        `/console/connections/${connection.id}`,
        { cookie },
      );
      expect(page.body).toContain(`LRS answered 401-${tag}`);
      expect(page.body).toMatch(/Failures in a row<\/dt><dd>3</);
      expect(page.body).not.toContain(`pw-${tag}`);
      expect(page.body).not.toContain(row.lrsPasswordSealed ?? "-");
      expect(page.body).toContain("A password is stored");
    });
  });
});
