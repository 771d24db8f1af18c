// The pages behind the links in an email (/a answer, /p preferences) through buildApp on a free
// port, against the run's real PostgreSQL: plans are made the way the engine makes them. The
// browser part drives Debian's Chromium (playwright-core) and saves screenshots in test-artifacts/.
import { mkdirSync } from "node:fs";
import path from "node:path";

import { createManualClock, signToken } from "@beklijf/core";
import { type PrismaClient } from "@beklijf/db";
import { createQueues, createRedisConnection } from "@beklijf/queue";
import { LINK_PURPOSES, signNudgeLinks } from "@beklijf/render";
import { planNudges, type Rule } from "@beklijf/rules";
import {
  aLearner,
  anAfterCompletionRule,
  aPlannedCompletion,
  aTenantWithRules,
  enqueueNudgeJobs,
  eventually,
  type ListeningServer,
  listenOnFreePort,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";
import { launchChromium } from "@beklijf/testing/browser";
import type { Browser, Page } from "playwright-core";

import { buildApp } from "./app";

const SECRET = "answer-pages-secret-answer-pages-secret";
const PUBLIC_URL = "https://learn.example.test";
const ARTIFACTS = path.resolve(
  __dirname,
  "../../../test-artifacts/answer-pages",
);

/** Steps that only run until the learner reports "applied", as in the default programme. */
const STEPS: Rule["steps"] = [
  {
    key: "commit",
    offset: "PT4H",
    recipient: "learner",
    template: "commit",
    why: "plan",
  },
  {
    key: "reflect",
    offset: "P7D",
    recipient: "learner",
    template: "reflect",
    why: "reflect",
  },
  {
    key: "apply",
    offset: "P10D",
    recipient: "learner",
    template: "apply",
    condition: { notAnswered: "applied" },
    why: "apply within two weeks",
  },
  {
    key: "manager-aftertalk",
    offset: { workdays: 2 },
    recipient: "learner",
    template: "manager-aftertalk",
    condition: { notAnswered: "applied" },
    why: "manager",
  },
  {
    key: "apply-check",
    offset: "P14D",
    recipient: "learner",
    template: "apply-check",
    why: "check",
  },
];

describe("the answer and preference pages", () => {
  const db: PrismaClient = testDb();
  const clock = createManualClock(new Date("2030-04-02T09:00:00Z"));
  const redis = testQueues("web-answers");
  let server: ListeningServer;
  let url: string;
  let tenantId: string;

  beforeAll(async () => {
    tenantId = await aTenantWithRules(db, "pages", [
      anAfterCompletionRule({ steps: STEPS }),
    ]);
    server = await listenOnFreePort(
      buildApp({
        db,
        clock,
        logger: testLogger,
        secret: SECRET,
        publicUrl: PUBLIC_URL,
        jobs: {
          removeNudgeJobs: async (jobIds) => {
            for (const jobId of jobIds) await redis.queues.nudges.remove(jobId);
          },
          processStatements: () => Promise.resolve(),
        },
      }),
    );
    url = server.url;
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
    await db.$disconnect();
  });

  /** A completion a few hours ago and its plan; returns the nudges by step key. */
  async function aPlan(locale = "nl") {
    const { personId, objectId } = await aPlannedCompletion(db, {
      tenantId,
      learner: aLearner(),
      locale,
      clock,
      planNudges,
    });
    const nudges = await db.plannedNudge.findMany({
      where: { recipientPersonId: personId },
    });
    const byStep = Object.fromEntries(nudges.map((n) => [n.stepKey, n]));
    return { person: { id: personId }, byStep, objectId };
  }

  /** The links of a nudge's email, as the mailer signs them. */
  const linksOf = (
    nudgeId: string,
    action: Parameters<typeof signNudgeLinks>[0]["action"],
  ) => {
    const links = signNudgeLinks({
      publicUrl: url,
      secret: SECRET,
      now: clock.now(),
      ttlDays: 60,
      nudgeId,
      deliveryId: nudgeId,
      action,
    });
    return links;
  };

  const post = (link: string, form: Record<string, string>) =>
    fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });

  describe("a reflection link", () => {
    it("shows the form on GET without storing anything, and stores the answer with its level on POST", async () => {
      const { byStep, person } = await aPlan();
      const nudge = byStep["reflect"];
      if (nudge === undefined) throw new Error("no reflect nudge");
      const { action } = linksOf(nudge.id, {
        answer: "reflection",
        levels: [2],
      });
      const page = await fetch(action);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<html lang="nl">');
      expect(html).toContain("Jouw reflectie op Feedback geven");
      expect(html).toContain("Mogelijke waarde");
      expect(await db.answer.count({ where: { personId: person.id } })).toBe(0);

      expect(
        (await post(action, { text: "Ik vraag nu eerst door." })).status,
      ).toBe(200);
      expect(
        (await post(action, { text: "Ik vraag nu eerst door, en luister." }))
          .status,
      ).toBe(200);
      const answers = await db.answer.findMany({
        where: { personId: person.id },
      });
      expect(answers).toEqual([
        expect.objectContaining({
          kind: "reflection",
          plannedNudgeId: nudge.id,
          value: { level: 2, text: "Ik vraag nu eerst door, en luister." },
        }),
      ]);
      expect(await (await fetch(action)).text()).toContain(
        "Je antwoordde hier al eerder",
      );
    });

    it("answers 400 with the reasons for an empty answer or a level the link does not offer", async () => {
      const { byStep } = await aPlan("en");
      const nudge = byStep["reflect"];
      if (nudge === undefined) throw new Error("no reflect nudge");
      const { action } = linksOf(nudge.id, {
        answer: "reflection",
        levels: [4, 5],
      });
      const response = await post(action, { level: "2", text: "" });
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain("Choose one of the values.");
      expect(html).toContain("Write at least a few words.");
      expect(
        await db.answer.count({ where: { plannedNudgeId: nudge.id } }),
      ).toBe(0);
    });
  });

  describe("an applied link", () => {
    it("on 'partly' cancels nothing; on 'applied' cancels the steps that stop on it, and only those, with their pending jobs", async () => {
      const { byStep } = await aPlan();
      const apply = byStep["apply"];
      if (apply === undefined) throw new Error("no apply nudge");
      // Each planned nudge has its delayed job, as the engine enqueues them.
      await enqueueNudgeJobs(redis.queues, Object.values(byStep));
      const jobOf = (step: string) =>
        redis.queues.nudges.getJob(byStep[step]?.jobId ?? "none");
      const { action } = linksOf(apply.id, { answer: "applied" });
      expect((await post(action, { status: "partly" })).status).toBe(200);
      expect(
        await db.plannedNudge.count({
          where: { planId: apply.planId, status: "cancelled" },
        }),
      ).toBe(0);

      expect(
        (
          await post(action, {
            status: "applied",
            story: "Gisteren in het overleg.",
          })
        ).status,
      ).toBe(200);
      const statuses = Object.fromEntries(
        (
          await db.plannedNudge.findMany({ where: { planId: apply.planId } })
        ).map((n) => [n.stepKey, n.status]),
      );
      expect(statuses).toEqual({
        commit: "planned",
        reflect: "planned",
        apply: "cancelled",
        "manager-aftertalk": "cancelled",
        "apply-check": "planned",
      });
      // The jobs go after the page is sent: wait for them, with a deadline.
      await eventually(
        async () =>
          (await jobOf("apply")) === undefined &&
          (await jobOf("manager-aftertalk")) === undefined
            ? true
            : undefined,
        { timeoutMs: 5_000, what: "the cancelled nudges' jobs to go" },
      );
      for (const step of ["commit", "reflect", "apply-check"])
        expect(await jobOf(step)).toBeDefined();
      expect(
        await db.answer.findMany({ where: { plannedNudgeId: apply.id } }),
      ).toEqual([
        expect.objectContaining({
          kind: "applied",
          value: { status: "applied", story: "Gisteren in het overleg." },
        }),
      ]);
    });

    it("answers at once when Redis is down, and cancels all the same", async () => {
      // Queues on a port where no Redis listens: removing a job waits for a connection.
      const connection = createRedisConnection(
        "redis://127.0.0.1:1",
        "producer",
      );
      connection.on("error", () => undefined);
      const down = createQueues({
        connection,
        prefix: "{down}",
        logger: testLogger,
      });
      const offline = await listenOnFreePort(
        buildApp({
          db,
          clock,
          logger: testLogger,
          secret: SECRET,
          publicUrl: PUBLIC_URL,
          jobs: {
            removeNudgeJobs: async (jobIds) => {
              for (const jobId of jobIds) await down.nudges.remove(jobId);
            },
            processStatements: () => Promise.resolve(),
          },
        }),
      );
      try {
        const { byStep } = await aPlan();
        const apply = byStep["apply"];
        if (apply === undefined) throw new Error("no apply nudge");
        const { action } = signNudgeLinks({
          publicUrl: offline.url,
          secret: SECRET,
          now: clock.now(),
          ttlDays: 60,
          nudgeId: apply.id,
          deliveryId: apply.id,
          action: { answer: "applied" },
        });
        const started = Date.now();
        const response = await post(action, { status: "applied" });
        expect(response.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(
          (await db.plannedNudge.findUniqueOrThrow({ where: { id: apply.id } }))
            .status,
        ).toBe("cancelled");
      } finally {
        connection.disconnect();
        await offline.close();
      }
    });
  });

  describe("a tampered, expired or misused link", () => {
    it("gets the 403 page, and a POST through it stores nothing", async () => {
      const { byStep } = await aPlan();
      const nudge = byStep["reflect"];
      if (nudge === undefined) throw new Error("no reflect nudge");
      const { action, preferences } = linksOf(nudge.id, {
        answer: "reflection",
        levels: [2],
      });
      const tampered = `${action.slice(0, -3)}${action.endsWith("A") ? "B" : "A"}xx`;
      const expired = `${url}/a/${signToken({ purpose: LINK_PURPOSES.answer, sub: nudge.id, exp: Math.floor(clock.now().getTime() / 1000) - 1, data: { kind: "reflection" } }, SECRET)}`;
      const otherPurpose = preferences.replace("/p/", "/a/");
      for (const link of [tampered, expired, otherPurpose]) {
        const response = await fetch(link, {
          headers: { "accept-language": "nl" },
        });
        expect(response.status).toBe(403);
        expect(await response.text()).toContain("Deze link werkt niet");
        expect((await post(link, { text: "x y z" })).status).toBe(403);
      }
      expect(
        await db.answer.count({ where: { plannedNudgeId: nudge.id } }),
      ).toBe(0);
    });
  });

  describe("a manager's links", () => {
    it("records 'confirmed applied' and 'discussed' with a confirm button, once each", async () => {
      const { byStep, person } = await aPlan("en");
      const nudge = byStep["manager-aftertalk"];
      if (nudge === undefined) throw new Error("no manager nudge");
      const confirmed = linksOf(nudge.id, {
        answer: "manager-confirmed",
      }).action;
      expect(await (await fetch(confirmed)).text()).toContain(
        "Yes, I saw it applied",
      );
      await post(confirmed, {});
      await post(confirmed, {});
      await post(linksOf(nudge.id, { answer: "manager-discussed" }).action, {});
      const kinds = (
        await db.answer.findMany({ where: { personId: person.id } })
      )
        .map((a) => a.kind)
        .sort();
      expect(kinds).toEqual(["manager-confirmed", "manager-discussed"]);
    });
  });

  describe("the preferences link", () => {
    it("pauses two weeks, stops this training, and stops all, each on POST only and repeatable", async () => {
      const { byStep, person, objectId } = await aPlan();
      const nudge = byStep["commit"];
      if (nudge === undefined) throw new Error("no commit nudge");
      const { preferences } = linksOf(nudge.id, {
        answer: "reflection",
        levels: [1],
      });
      expect(await (await fetch(preferences)).text()).toContain(
        "Stop de e-mails over Feedback geven",
      );
      expect(
        await db.preference.findUnique({ where: { personId: person.id } }),
      ).toBeNull();

      const paused = await post(preferences, { choice: "pause" });
      expect(await paused.text()).toContain("gepauzeerd tot 16 april 2030");
      await post(preferences, { choice: "stop-training" });
      await post(preferences, { choice: "stop-training" });
      expect(
        await db.preference.findUnique({ where: { personId: person.id } }),
      ).toMatchObject({
        pausedUntil: new Date(clock.now().getTime() + 14 * 24 * 3600_000),
        stoppedActivities: [objectId],
        stoppedAll: false,
      });
      await post(preferences, { choice: "stop-all" });
      expect(
        await db.preference.findUnique({ where: { personId: person.id } }),
      ).toMatchObject({ stoppedAll: true });
      expect((await post(preferences, { choice: "everything" })).status).toBe(
        400,
      );
    });
  });

  describe("in a browser (Chromium)", () => {
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    }, 60_000);

    afterAll(async () => {
      await browser.close();
    });

    it("answers a reflection through the form", async () => {
      const { byStep } = await aPlan("en");
      const nudge = byStep["reflect"];
      if (nudge === undefined) throw new Error("no reflect nudge");
      await page.goto(
        linksOf(nudge.id, { answer: "reflection", levels: [4, 5] }).action,
      );
      await page.getByLabel(/Realised value/).check();
      await page
        .getByLabel("Write it down in a few sentences")
        .fill("Customers call back less often.");
      await page.screenshot({
        path: path.join(ARTIFACTS, "reflection-form.png"),
        fullPage: true,
      });
      await page.getByRole("button", { name: "Send" }).click();
      await page.getByRole("heading", { name: "Thank you!" }).waitFor();
      await page.screenshot({
        path: path.join(ARTIFACTS, "reflection-done.png"),
      });
      expect(
        await db.answer.findMany({ where: { plannedNudgeId: nudge.id } }),
      ).toEqual([
        expect.objectContaining({
          value: { level: 4, text: "Customers call back less often." },
        }),
      ]);
    });

    it("reports 'applied', after which the remaining application nudges are cancelled", async () => {
      const { byStep } = await aPlan("nl");
      const apply = byStep["apply"];
      if (apply === undefined) throw new Error("no apply nudge");
      await page.goto(linksOf(apply.id, { answer: "applied" }).action);
      await page.getByLabel("Ja, toegepast").check();
      await page
        .getByLabel(/Vertel in drie regels/)
        .fill("In het teamoverleg feedback gegeven.");
      await page.screenshot({
        path: path.join(ARTIFACTS, "applied-form.png"),
        fullPage: true,
      });
      await page.getByRole("button", { name: "Versturen" }).click();
      await page.getByText("We sturen je geen herinneringen meer").waitFor();
      const cancelled = await db.plannedNudge.findMany({
        where: { planId: apply.planId, status: "cancelled" },
        select: { stepKey: true },
      });
      expect(cancelled.map((n) => n.stepKey).sort()).toEqual([
        "apply",
        "manager-aftertalk",
      ]);
    });

    it("shows the 403 page for a tampered link", async () => {
      const { byStep } = await aPlan("nl");
      const nudge = byStep["reflect"];
      if (nudge === undefined) throw new Error("no reflect nudge");
      const link = linksOf(nudge.id, {
        answer: "reflection",
        levels: [2],
      }).action;
      // One character of the signature changed.
      const tampered = `${link.slice(0, -1)}${link.endsWith("A") ? "B" : "A"}`;
      const response = await page.goto(tampered);
      expect(response?.status()).toBe(403);
      await page
        .getByRole("heading", { name: /link werkt niet|link does not work/ })
        .waitFor();
      await page.screenshot({
        path: path.join(ARTIFACTS, "tampered-link.png"),
      });
    });
  });
});
