// The console's pages over real rows: users, the delivery log, the transfer dashboard and
// Bull Board, through the real router on port 0 (PostgreSQL and Redis of the test run).
import { randomUUID } from "node:crypto";

import { createManualClock } from "@beklijf/core";
import { findApiToken, type PrismaClient } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  type ListeningServer,
  storeStatement,
  testDb,
  testLogger,
  type TestQueues,
  testQueues,
} from "@beklijf/testing";

import { consoleRouter } from "./router";
import {
  aConsoleTenant,
  type ConsoleClient,
  consoleClient,
  serveConsole,
  TEST_PASSWORD,
} from "./test-client";

const DAY_MS = 86_400_000;

describe("the console's pages", () => {
  const clock = createManualClock(new Date("2026-03-02T09:00:00Z"));
  let db: PrismaClient;
  let queues: TestQueues;
  let server: ListeningServer;
  let client: ConsoleClient;
  let tenantId: string;
  let admin: string;
  let viewer: string;

  /** A completion of `course` by a new learner, its plan, one sent nudge and `answers`. */
  const aPlan = async (input: {
    course: string;
    answers: { kind: string; value: object; afterDays: number }[];
    deliveryStatus?: string;
  }) => {
    const learner = aLearner();
    const statement = await storeStatement({
      db,
      tenantId,
      clock,
      statement: aCompletedStatement({
        learner,
        courseId: `https://lms.example.test/${encodeURIComponent(input.course)}`,
        courseName: { "en-US": input.course },
      }),
    });
    const person = await db.person.create({
      data: {
        tenantId,
        email: learner.email,
        locale: "en",
        timeZone: "Europe/Amsterdam",
      },
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
    const nudge = await db.plannedNudge.create({
      data: {
        tenantId,
        planId: plan.id,
        jobId: `nudge-${randomUUID()}`,
        stepKey: "commit",
        recipientKind: "learner",
        recipientPersonId: person.id,
        template: "commit",
        dueAt: clock.now(),
        status: "handed-off",
      },
    });
    await db.delivery.create({
      data: {
        tenantId,
        plannedNudgeId: nudge.id,
        toAddress: learner.email,
        status: input.deliveryStatus ?? "sent",
        createdAt: clock.now(),
        sentAt: clock.now(),
      },
    });
    for (const answer of input.answers)
      await db.answer.create({
        data: {
          tenantId,
          personId: person.id,
          plannedNudgeId: nudge.id,
          kind: answer.kind,
          value: answer.value,
          createdAt: new Date(
            clock.now().getTime() + answer.afterDays * DAY_MS,
          ),
        },
      });
    return learner;
  };

  const caught = {
    id: `m-${randomUUID()}`,
    to: "anna@example.test",
    subject: "Anna <b>wanneer</b> ga je het toepassen?",
    text: "Plain text of the nudge",
    html: "<p>Hallo</p><script>alert(1)</script>",
    receivedAt: new Date("2026-03-02T09:00:00Z"),
  };

  beforeAll(async () => {
    db = testDb();
    queues = testQueues("console");
    const made = await aConsoleTenant(db, "console-pages", TEST_PASSWORD);
    tenantId = made.tenantId;
    admin = made.emails.admin;
    viewer = made.emails.viewer;
    const slug = made.slug;
    const deps = {
      db,
      clock,
      logger: testLogger,
      secret: "s".repeat(32),
      publicUrl: "http://localhost",
      queues: queues.queues,
      outbox: {
        list: () => Promise.resolve([caught]),
        get: (id: string) =>
          Promise.resolve(id === caught.id ? caught : undefined),
      },
    };
    server = await serveConsole(
      deps,
      consoleRouter(deps, { tenantSlug: slug }),
    );
    client = consoleClient(server.url, TEST_PASSWORD);
  });
  afterAll(async () => {
    await server.close();
    await queues.close();
    await db.$disconnect();
  });

  describe("users", () => {
    it("creates a user whose one-time password signs in, and deactivating ends their session", async () => {
      const { cookie, csrf } = await client.signIn(admin);
      const email = `new-${randomUUID().slice(0, 8)}@example.com`;
      const created = await client.request("POST", "/console/users", {
        cookie,
        form: { _csrf: csrf, email, name: "New", role: "editor" },
      });
      expect(created.status).toBe(200);
      const password = /id="password">([^<]+)</.exec(created.body)?.[1] ?? "";
      expect(password.length).toBeGreaterThan(15);
      const session = await client.signIn(email, password);
      expect(session.answer.status).toBe(303);
      expect(
        (
          await client.request("GET", "/console/rules", {
            cookie: session.cookie,
          })
        ).status,
      ).toBe(200);

      const user = await db.consoleUser.findFirstOrThrow({
        where: { tenantId, email },
      });
      const off = await client.request("POST", `/console/users/${user.id}`, {
        cookie,
        form: { _csrf: csrf, active: "false" },
      });
      expect(off.status).toBe(303);
      expect(
        (
          await client.request("GET", "/console/rules", {
            cookie: session.cookie,
          })
        ).status,
      ).toBe(303);
      expect((await client.signIn(email, password)).answer.status).toBe(401);
    });

    it("refuses an admin's taking away their own role, and a bad address", async () => {
      const { cookie, csrf } = await client.signIn(admin);
      const me = await db.consoleUser.findFirstOrThrow({
        where: { tenantId, email: admin },
      });
      const demote = await client.request("POST", `/console/users/${me.id}`, {
        cookie,
        form: { _csrf: csrf, role: "viewer" },
      });
      expect(demote.status).toBe(409);
      const bad = await client.request("POST", "/console/users", {
        cookie,
        form: { _csrf: csrf, email: "not an address", role: "viewer" },
      });
      expect(bad.status).toBe(400);
      expect(bad.body).toContain("email address");
    });
  });

  describe("API tokens", () => {
    it("creates a token shown once, stores only its hash, and revokes it", async () => {
      const { cookie, csrf } = await client.signIn(admin);
      const created = await client.request("POST", "/console/users/tokens", {
        cookie,
        form: { _csrf: csrf, name: "nightly export", role: "viewer" },
      });
      expect(created.status).toBe(200);
      const token = /id="token">([^<]+)</.exec(created.body)?.[1] ?? "";
      expect(token).toMatch(/^bkt_/);
      const row = await findApiToken(db, token);
      expect(row?.role).toBe("viewer");
      const list = await client.request("GET", "/console/users", { cookie });
      expect(list.body).toContain("nightly export");
      expect(list.body).not.toContain(token);
      const revoked = await client.request(
        "POST",
        `/console/users/tokens/${row?.id ?? ""}/revoke`,
        { cookie, form: { _csrf: csrf } },
      );
      expect(revoked.status).toBe(303);
      expect(await findApiToken(db, token)).toBeNull();
    });
  });

  describe("the transfer dashboard and the delivery log", () => {
    let failedTo: string;

    beforeAll(async () => {
      await aPlan({
        course: "Feedback geven",
        answers: [
          { kind: "applied", value: { status: "applied" }, afterDays: 10 },
          { kind: "reflection", value: { level: 3, text: "ok" }, afterDays: 7 },
          { kind: "manager-confirmed", value: {}, afterDays: 15 },
        ],
      });
      await aPlan({
        course: "Feedback geven",
        answers: [
          { kind: "applied", value: { status: "partly" }, afterDays: 40 },
        ],
      });
      failedTo = (
        await aPlan({
          course: "Coachen",
          answers: [],
          deliveryStatus: "failed",
        })
      ).email;
    });

    it("counts completions, sends, answers and application per training", async () => {
      const { cookie } = await client.signIn(viewer);
      const csv = await client.request(
        "GET",
        "/console/dashboard.csv?by=training",
        { cookie },
      );
      expect(csv.status).toBe(200);
      const rows = csv.body
        .trim()
        .split("\r\n")
        .map((line) => line.split(","));
      const header = rows[0] ?? [];
      const row = (label: string) => {
        const found = rows.find((r) => r[0] === label) ?? [];
        return (column: string) => found[header.indexOf(column)];
      };
      const feedback = row("Feedback geven");
      expect(feedback("completions")).toBe("2");
      expect(feedback("nudges_sent")).toBe("2");
      expect(feedback("nudges_answered")).toBe("2");
      expect(feedback("applied_by_day_14")).toBe("1");
      expect(feedback("applied_by_day_90")).toBe("2");
      expect(feedback("manager_confirmed")).toBe("1");
      expect(feedback("reflection_level_3")).toBe("1");
      const coachen = row("Coachen");
      expect(coachen("completions")).toBe("1");
      expect(coachen("nudges_sent")).toBe("0");

      const page = await client.request("GET", "/console?by=rule", { cookie });
      expect(page.status).toBe(200);
      expect(page.body).toContain("follow-up");
      expect(page.body).toContain("<svg");
    });

    it("filters the delivery log by status and recipient", async () => {
      const { cookie } = await client.signIn(viewer);
      const failed = await client.request(
        "GET",
        "/console/deliveries?status=failed",
        { cookie },
      );
      expect(failed.status).toBe(200);
      expect(failed.body).toContain(failedTo);
      expect(failed.body).toContain("1 deliveries");
      const none = await client.request(
        "GET",
        `/console/deliveries?to=nobody-${randomUUID()}`,
        { cookie },
      );
      expect(none.body).toContain("0 deliveries");
      const all = await client.request(
        "GET",
        "/console/deliveries?since=2026-03-01&until=2026-03-02",
        { cookie },
      );
      expect(all.body).toContain("3 deliveries");
    });
  });

  describe("the outbox of the embedded mail sink", () => {
    it("lists caught emails and shows one, escaped and sandboxed, to admins only", async () => {
      const viewerSession = await client.signIn(viewer);
      expect(
        (
          await client.request("GET", "/console/operators/outbox", {
            cookie: viewerSession.cookie,
          })
        ).status,
      ).toBe(403);
      const { cookie } = await client.signIn(admin);
      const list = await client.request("GET", "/console/operators/outbox", {
        cookie,
      });
      expect(list.status).toBe(200);
      expect(list.body).toContain(
        `href="/console/operators/outbox/${caught.id}"`,
      );
      expect(list.body).toContain("Anna &lt;b&gt;wanneer&lt;/b&gt;");
      const one = await client.request(
        "GET",
        `/console/operators/outbox/${caught.id}`,
        { cookie },
      );
      expect(one.status).toBe(200);
      expect(one.body).toContain('sandbox=""');
      expect(one.body).not.toContain("<script>alert(1)</script>");
      expect(one.body).toContain("Plain text of the nudge");
      expect(
        (
          await client.request("GET", "/console/operators/outbox/no-such-id", {
            cookie,
          })
        ).status,
      ).toBe(404);
    });
  });

  describe("Bull Board", () => {
    it("is for admins, and changes need the console's own origin", async () => {
      const viewerSession = await client.signIn(viewer);
      expect(
        (
          await client.request("GET", "/console/operators/queues/", {
            cookie: viewerSession.cookie,
          })
        ).status,
      ).toBe(403);
      const { cookie } = await client.signIn(admin);
      const board = await client.request("GET", "/console/operators/queues/", {
        cookie,
      });
      expect(board.status).toBe(200);
      expect(board.body).toContain("beklijf queues");

      const pause = "/console/operators/queues/api/queues/statements/pause";
      expect((await client.request("PUT", pause, { cookie })).status).toBe(403);
      expect(
        (
          await client.request("PUT", pause, {
            cookie,
            headers: { origin: "https://evil.example" },
          })
        ).status,
      ).toBe(403);
      expect(await queues.queues.statements.isPaused()).toBe(false);
      const paused = await client.request("PUT", pause, {
        cookie,
        headers: { origin: server.url },
      });
      expect(paused.status).toBe(200);
      expect(await queues.queues.statements.isPaused()).toBe(true);
      await queues.queues.statements.resume();
    });
  });
});
