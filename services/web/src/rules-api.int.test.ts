// /api/rules and /api/rules/:key/migrate through buildApp on port 0, against the run's
// PostgreSQL and Redis (the pending jobs of cancelled nudges are removed).
import { systemClock } from "@beklijf/core";
import {
  createApiToken,
  type PrismaClient,
  type Role,
  syncRuleSet,
} from "@beklijf/db";
import { planNudges } from "@beklijf/rules";
import {
  aLearner,
  anAfterCompletionRule,
  aPlannedCompletion,
  aTenantWithRules,
  enqueueNudgeJobs,
  eventually,
  type ListeningServer,
  listenOnFreePort,
  TEST_RULE_SET,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { ErrorResponse } from "./api-schemas";
import { buildApp } from "./app";
import { MigrateReport, RuleSummary } from "./rules-schemas";

const v1 = anAfterCompletionRule();
const v2 = anAfterCompletionRule({
  steps: [
    // commit as it was; reflect removed; check added, still to come.
    ...v1.steps.filter((s) => s.key === "commit"),
    {
      key: "check",
      offset: "P14D",
      recipient: "learner",
      template: "check",
      why: "Did you apply it?",
    },
  ],
});

describe("/api/rules", () => {
  const redis = testQueues("web-rules");
  let db: PrismaClient;
  let server: ListeningServer;
  let tenantId: string;
  let tokens: Record<Role, string>;

  const call = async (
    method: string,
    path: string,
    options: { role?: Role | "none"; body?: unknown } = {},
  ): Promise<{ status: number; body: unknown }> => {
    const role = options.role ?? "admin";
    const response = await fetch(`${server.url}/api${path}`, {
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
    const text = await response.text();
    return {
      status: response.status,
      body: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
  };

  beforeAll(async () => {
    db = testDb();
    tenantId = await aTenantWithRules(db, "api-rules", [v1]);
    tokens = {
      admin: await createApiToken(db, { tenantId, name: "a", role: "admin" }),
      editor: await createApiToken(db, { tenantId, name: "e", role: "editor" }),
      viewer: await createApiToken(db, { tenantId, name: "v", role: "viewer" }),
    };
    server = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: "s".repeat(40),
        publicUrl: "https://beklijf.example.test",
        jobs: {
          removeNudgeJobs: async (jobIds) => {
            for (const jobId of jobIds) await redis.queues.nudges.remove(jobId);
          },
          processStatements: () => Promise.resolve(),
        },
      }),
    );
  });

  afterAll(async () => {
    await server.close();
    await redis.close();
    await db.$disconnect();
  });

  it.each([
    ["none", 401],
    ["viewer", 403],
    ["editor", 403],
  ] as const)("refuses a migration with role %s (%i)", async (role, status) => {
    const { status: got } = await call(
      "POST",
      "/rules/after-completion/migrate",
      {
        role,
        body: { dryRun: true },
      },
    );
    expect(got).toBe(status);
  });

  it("names what is wrong with the body, and an unknown rule", async () => {
    const bad = await call("POST", "/rules/after-completion/migrate", {
      body: { dryRun: "yes", fromVersions: [0] },
    });
    expect(bad.status).toBe(400);
    const error = ErrorResponse.parse(bad.body).error;
    expect(error.code).toBe("MIGRATE_INVALID");
    expect(JSON.stringify(error)).toContain(
      "must be true (report only) or false (apply)",
    );
    expect(JSON.stringify(error)).toContain(
      "must be a version number of 1 or more",
    );
    const unknown = await call("POST", "/rules/nope/migrate", {
      body: { dryRun: true },
    });
    expect(unknown.status).toBe(404);
    expect(ErrorResponse.parse(unknown.body).error.code).toBe("RULE_NOT_FOUND");
  });

  it("reports, migrates, removes the jobs of cancelled nudges, and changes nothing twice", async () => {
    const planned = await aPlannedCompletion(db, {
      tenantId,
      learner: aLearner(),
      locale: "nl",
      clock: systemClock,
      planNudges,
    });
    await enqueueNudgeJobs(redis.queues, planned.nudges);
    await syncRuleSet(db, { tenantId, ...TEST_RULE_SET, rules: [v2] });
    const listed = await call("GET", "/rules", { role: "viewer" });
    expect(RuleSummary.array().parse(listed.body)).toMatchObject([
      { key: "after-completion", currentVersion: 2, versions: 2 },
    ]);

    const dry = await call("POST", "/rules/after-completion/migrate", {
      body: { dryRun: true },
    });
    expect(dry.status).toBe(200);
    const report = MigrateReport.parse(dry.body);
    expect(report).toMatchObject({ plans: 1, migrated: 0, toVersion: 2 });
    const counts = Object.fromEntries(
      report.steps.map((s) => [s.stepKey, s.counts]),
    );
    expect(counts["commit"]).toMatchObject({ kept: 1 });
    expect(counts["reflect"]).toMatchObject({ cancelled: 1 });
    expect(counts["check"]).toMatchObject({ added: 1 });
    const reflect = await db.plannedNudge.findFirstOrThrow({
      where: { tenantId, stepKey: "reflect" },
    });
    expect(await redis.queues.nudges.getJob(reflect.jobId)).toBeDefined();

    const applied = await call("POST", "/rules/after-completion/migrate", {
      body: { dryRun: false, fromVersions: [1] },
    });
    expect(MigrateReport.parse(applied.body)).toMatchObject({
      ...report,
      dryRun: false,
      migrated: 1,
    });
    expect(
      await db.plannedNudge.findUniqueOrThrow({ where: { id: reflect.id } }),
    ).toMatchObject({ status: "cancelled" });
    // Removed after the answer, in the background.
    await eventually(
      async () =>
        (await redis.queues.nudges.getJob(reflect.jobId)) === undefined
          ? true
          : undefined,
      { timeoutMs: 5_000, what: "the cancelled nudge's job to be removed" },
    );
    const commit = planned.nudges.find((n) => n.jobId !== reflect.jobId);
    expect(await redis.queues.nudges.getJob(commit?.jobId ?? "")).toBeDefined();

    const again = await call("POST", "/rules/after-completion/migrate", {
      body: { dryRun: false },
    });
    expect(MigrateReport.parse(again.body)).toMatchObject({
      plans: 0,
      steps: [],
    });
  });

  it("answers without waiting for Redis to remove the cancelled nudges' jobs", async () => {
    // With Redis down, BullMQ waits for a connection: a removal that never ends stands for it.
    const other = await aTenantWithRules(db, "api-rules-stuck", [v1]);
    await aPlannedCompletion(db, {
      tenantId: other,
      learner: aLearner(),
      locale: "nl",
      clock: systemClock,
      planNudges,
    });
    await syncRuleSet(db, { tenantId: other, ...TEST_RULE_SET, rules: [v2] });
    const removals: string[][] = [];
    const stuck = await listenOnFreePort(
      buildApp({
        db,
        clock: systemClock,
        logger: testLogger,
        secret: "s".repeat(40),
        publicUrl: "https://beklijf.example.test",
        jobs: {
          removeNudgeJobs: (jobIds) => {
            removals.push([...jobIds]);
            return new Promise<void>(() => undefined);
          },
          processStatements: () => Promise.resolve(),
        },
      }),
    );
    try {
      const token = await createApiToken(db, {
        tenantId: other,
        name: "a",
        role: "admin",
      });
      const response = await fetch(
        `${stuck.url}/api/rules/after-completion/migrate`,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ dryRun: false }),
          signal: AbortSignal.timeout(5_000),
        },
      );
      expect(response.status).toBe(200);
      expect(MigrateReport.parse(await response.json())).toMatchObject({
        migrated: 1,
      });
      expect(removals).toHaveLength(1);
      expect(removals[0]).toHaveLength(1);
    } finally {
      await stuck.close();
    }
  });

  it("is in the OpenAPI document", async () => {
    const response = await fetch(`${server.url}/api/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(["/rules", "/rules/{key}/migrate"]),
    );
  });
});
