import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import type { PrismaClient } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  basicAuth,
  clearRedisPrefix,
  postStatements,
  runDatabaseUrl,
  type SmtpSink,
  startSmtpSink,
  TEST_REDIS_URL,
  testDb,
  testRedis,
  uniqueRedisPrefix,
} from "@beklijf/testing";
import type { Redis } from "ioredis";

import { runBeklijf, runCli, type RunningBeklijf } from "./run-beklijf";

// The walking skeleton end to end, as a newcomer's `npm start` runs it: one process, real
// Postgres, Redis and SMTP; one simulated day per second (BEKLIJF_TIME_SCALE=86400).

describe("a course completion, from xAPI statement to email", () => {
  let sink: SmtpSink;
  let beklijf: RunningBeklijf;
  let db: PrismaClient;
  let redis: Redis;
  let dataDir: string;
  let env: Record<string, string>;
  const prefix = uniqueRedisPrefix("e2e");
  const learner = aLearner({ name: "Anna de Vries" });
  // Without a timestamp, so the learning happened "now" on the engine's scaled clock (seconds of
  // start-up are days there): nudges due at once for one person would rightly merge into one email.
  const { timestamp: _timestamp, ...completion } = aCompletedStatement({
    learner,
    courseName: { "nl-NL": "Feedback geven", "en-US": "Giving feedback" },
  });
  let credentials: { endpoint: string; key: string; secret: string };

  const post = (body: unknown, secret = credentials.secret) =>
    postStatements(beklijf.url, body, {
      authorization: basicAuth(credentials.key, secret),
    });
  const mailsTo = (address: string) =>
    sink.messages().filter((m) => m.to.includes(address));

  beforeAll(async () => {
    sink = await startSmtpSink();
    db = testDb();
    redis = testRedis();
    dataDir = mkdtempSync(path.join(tmpdir(), "beklijf-e2e-"));
    env = {
      DATABASE_URL: runDatabaseUrl(),
      REDIS_URL: TEST_REDIS_URL,
      SMTP_URL: sink.url,
      BEKLIJF_TIME_SCALE: "86400",
      BEKLIJF_REDIS_PREFIX: prefix,
      BEKLIJF_DATA_DIR: dataDir,
      BEKLIJF_SECRET: "e2e-secret-e2e-secret-e2e-secret-0000",
    };
    beklijf = await runBeklijf(env);
    const created = await runCli(
      ["connection", "create", "--name", `moodle-${prefix.slice(1, -1)}`],
      { ...env, BEKLIJF_PUBLIC_URL: beklijf.url },
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    credentials = JSON.parse(created.stdout) as typeof credentials;
  }, 90_000);

  afterAll(async () => {
    const code = await beklijf.stop();
    expect(code).toBe(0);
    await clearRedisPrefix(redis, prefix);
    redis.disconnect();
    await db.$disconnect();
    await sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives the LMS admin an endpoint, a key and a secret", () => {
    expect(credentials.endpoint).toBe(`${beklijf.url}/xapi`);
    expect(credentials.key).toMatch(/^bk_/);
    expect(credentials.secret.length).toBeGreaterThanOrEqual(32);
  });

  it("answers 200 with the statement's id", async () => {
    const response = await post(completion);
    expect(response.status).toBe(200);
    const ids = (await response.json()) as string[];
    expect(ids).toHaveLength(1);
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    // It took the statements lane in front of Express, as the standalone ingest does.
    expect(beklijf.output()).not.toContain("goes through Express");
  });

  it("sends the learner the first follow-up, in Dutch, naming the training", async () => {
    const mail = await sink.waitFor(
      (m) =>
        m.to.includes(learner.email) &&
        m.subject === "Anna, wanneer ga je Feedback geven toepassen?",
      30_000,
    );
    expect(mail.text).toContain("Hoi Anna");
    // The text part carries the unsubscribe link as well, not only the HTML.
    expect(mail.text).toContain(`${beklijf.url}/u/`);
    expect(mail.html).toContain("<strong>Feedback geven</strong>");
    expect(mail.headers["list-unsubscribe-post"]).toBe(
      "List-Unsubscribe=One-Click",
    );
    expect(mail.headers["list-unsubscribe"]).toContain(`${beklijf.url}/u/`);
  });

  it("sends the one-week reflection a simulated week later", async () => {
    const mail = await sink.waitFor(
      (m) =>
        m.to.includes(learner.email) &&
        m.subject.startsWith("Een week na Feedback geven"),
      30_000,
    );
    expect(mail.text).toContain("Wat doe of zie je nu anders in je werk?");
  });

  it("sends nothing more when the same statement arrives again", async () => {
    const before = mailsTo(learner.email).length;
    const response = await post(completion);
    expect(response.status).toBe(200);
    // Long enough, at one simulated day per second, for both steps to fire again if they were planned.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    // Later steps of the programme may go out meanwhile; none may go out twice.
    const subjects = mailsTo(learner.email).map((m) => m.subject);
    expect(subjects.length).toBeGreaterThanOrEqual(before);
    expect(new Set(subjects).size).toBe(subjects.length);
    const person = await db.person.findFirstOrThrow({
      where: { email: learner.email },
    });
    expect(await db.plan.count({ where: { personId: person.id } })).toBe(1);
    expect(
      await db.delivery.count({
        where: { nudge: { plan: { personId: person.id } } },
      }),
    ).toBe(subjects.length);
  }, 20_000);

  it("stops all nudges after the one-click unsubscribe from the email's header", async () => {
    const [first] = mailsTo(learner.email);
    const link = /<([^>]+)>/.exec(
      first?.headers["list-unsubscribe"] ?? "",
    )?.[1];
    expect(link).toBeDefined();
    const oneClick = await fetch(link ?? "", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    const before = mailsTo(learner.email).length;
    const another = aCompletedStatement({
      learner,
      courseName: { "nl-NL": "Timemanagement" },
    });
    expect((await post(another)).status).toBe(200);
    const person = await db.person.findFirstOrThrow({
      where: { email: learner.email },
    });
    const skipped = await (async () => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const nudge = await db.plannedNudge.findFirst({
          where: { recipientPersonId: person.id, status: "skipped" },
        });
        if (nudge !== null) return nudge;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return null;
    })();
    expect(skipped?.reason).toBe("recipient stopped all nudges");
    expect(mailsTo(learner.email)).toHaveLength(before);
  }, 20_000);

  it("refuses a tampered unsubscribe link with 403", async () => {
    const link =
      /<([^>]+)>/.exec(
        mailsTo(learner.email)[0]?.headers["list-unsubscribe"] ?? "",
      )?.[1] ?? "";
    const tampered = `${link.slice(0, -3)}${link.endsWith("A") ? "B" : "A"}xx`;
    expect((await fetch(tampered)).status).toBe(403);
  });

  it("refuses statements without valid credentials", async () => {
    const response = await post(completion, "wrong");
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Basic");
  });

  it("reports health, readiness and metrics, and guards the admin API", async () => {
    expect((await fetch(`${beklijf.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${beklijf.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ postgres: true, redis: true });
    const metrics = await (await fetch(`${beklijf.url}/metrics`)).text();
    expect(metrics).toMatch(/beklijf_deliveries_sent_total [1-9]/);
    expect((await fetch(`${beklijf.url}/api/connections`)).status).toBe(401);
  });
});
