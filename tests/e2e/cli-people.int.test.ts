import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { systemClock } from "@beklijf/core";
import {
  createConnection,
  createPlan,
  ensureTenant,
  recordRejection,
  syncRuleSet,
  upsertPerson,
} from "@beklijf/db";
import { nudgeJobId } from "@beklijf/queue";
import { planNudges } from "@beklijf/rules";
import {
  aCompletedStatement,
  aLearner,
  anAfterCompletionRule,
  enqueueNudgeJobs,
  outboxRowsCarrying,
  runDatabaseUrl,
  storeStatement,
  TEST_REDIS_URL,
  testDb,
  testQueues,
} from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf people import`, `people delete` and `simulate`: what L&D and HR do from a shell.

describe("npx beklijf people import and simulate", () => {
  const db = testDb();
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-cli-people-"));
  const env = { DATABASE_URL: runDatabaseUrl() };
  const tag = path.basename(dir).slice(-6).toLowerCase();
  const write = (name: string, contents: string): string => {
    const target = path.join(dir, name);
    writeFileSync(target, contents);
    return target;
  };

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.$disconnect();
  });

  it("imports good rows, reports bad ones on stdout as JSON with progress on stderr, and exits 2", async () => {
    const csv = write(
      "people.csv",
      [
        "email,name,externalId,manager,timeZone",
        `lead-${tag}@example.test,Lotte,L-${tag},,Europe/Amsterdam`,
        `eva-${tag}@example.test,Eva,E-${tag},L-${tag},Europe/Amsterdam`,
        `bad-${tag},Bad,B-${tag},,Europe/Nowhere`,
      ].join("\n"),
    );
    const result = await runCli(["people", "import", csv], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("3 rows read, 1 refused");
    // The second pass shows its progress too.
    expect(result.stderr).toContain(
      "managers and team leads: 2 of 2 rows linked",
    );
    const report = JSON.parse(result.stdout) as {
      rows: number;
      created: number;
      failed: number;
      issues: { row: number; column: string }[];
    };
    expect(report).toMatchObject({ rows: 3, created: 2, failed: 1 });
    expect(report.issues.map((i) => [i.row, i.column])).toEqual([
      [4, "email"],
      [4, "timeZone"],
    ]);
    const eva = await db.person.findFirstOrThrow({
      where: { externalId: `E-${tag}` },
      include: { manager: true },
    });
    expect(eva.manager?.externalId).toBe(`L-${tag}`);
  });

  it("simulates the default programme for a known person with a manager, writing nothing", async () => {
    const statement = write(
      "completion.json",
      JSON.stringify(
        aCompletedStatement({
          learner: { name: "Eva", email: `eva-${tag}@example.test` },
          timestamp: "2030-03-08T16:00:00Z", // a Friday, 17:00 in Amsterdam
        }),
      ),
    );
    const ownPlans = () =>
      db.plan.count({ where: { person: { externalId: `E-${tag}` } } });
    const plans = await ownPlans();
    const result = await runCli(
      [
        "simulate",
        "--statement",
        statement,
        "--rules",
        path.resolve(__dirname, "../../templates/werkplekleren/rules.json"),
      ],
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`Learner: eva-${tag}@example.test, Europe/Amsterdam`);
    // Friday 21:00 is outside the window: the commit moves to Monday 08:00.
    expect(result.stdout).toContain(
      "2030-03-11 08:00 Mon (Europe/Amsterdam)  learner",
    );
    // Who, as L&D reads it: the name and address from the directory, not the person id.
    expect(result.stdout).toContain(
      `learner Eva <eva-${tag}@example.test>  after-training/`,
    );
    expect(result.stdout).toContain(
      `manager Lotte <lead-${tag}@example.test>  after-training/manager-aftertalk  template manager-aftertalk`,
    );
    expect(result.stdout).not.toMatch(/<[0-9a-f-]{36}>/);
    expect(result.stdout).toContain(
      "after-training/team-agenda  template team-agenda  (dropped)",
    );
    expect(result.stdout).toContain("dropped: no team lead known");
    expect(result.stdout).toContain(
      "before-training: does not match: verb http://adlnet.gov/expapi/verbs/completed is not in trigger.verbs",
    );
    expect(plans).toBe(0);
    expect(await ownPlans()).toBe(0);
  });

  it("refuses a rule file that is not JSON, naming the line, the column and what to write", async () => {
    const statement = write(
      "any-completion.json",
      JSON.stringify(
        aCompletedStatement({
          learner: { name: "Eva", email: `eva-${tag}@example.test` },
        }),
      ),
    );
    const rules = write(
      "broken-rules.json",
      '{\n  "rules": [\n    { "key": "x" "name": "X" }\n  ]\n}\n',
    );
    const result = await runCli(
      ["simulate", "--statement", statement, "--rules", rules],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      [
        `${rules} is not valid JSON: line 3, column 18: "\\"" after a value: write "," before the next key, or "}" to close the object`,
        '  3 |     { "key": "x" "name": "X" }',
        `${" ".repeat(23)}^`,
      ].join("\n"),
    );
  });
});

describe("npx beklijf people delete", () => {
  const db = testDb();
  const redis = testQueues("cli-erase");
  const tag = randomBytes(3).toString("hex");
  const env = {
    DATABASE_URL: runDatabaseUrl(),
    REDIS_URL: TEST_REDIS_URL,
    BEKLIJF_REDIS_PREFIX: redis.prefix,
  };
  const ruleKey = `cli-erase-${tag}`;
  let tenantId: string;

  beforeAll(async () => {
    tenantId = (await ensureTenant(db)).id;
    // Disabled: the default tenant is shared with other tests, and this rule must plan nothing there.
    await syncRuleSet(db, {
      tenantId,
      key: `${ruleKey}-set`,
      name: "CLI erase test",
      rules: [anAfterCompletionRule({ key: ruleKey, enabled: false })],
    });
  });

  afterAll(async () => {
    await redis.close();
    await db.$disconnect();
  });

  /**
   * A person of the default tenant with a completion, its plan, the plan's delayed nudge jobs and
   * a connection rejection naming their mbox. The statement is taken off the engine's list (as if
   * planned), so an engine another test runs on this database leaves it alone.
   */
  async function aPersonToErase(externalId: string) {
    const learner = aLearner();
    const { person } = await upsertPerson(db, {
      tenantId,
      person: { email: learner.email, name: learner.name, externalId },
      defaults: { locale: "nl", timeZone: "Europe/Amsterdam" },
    });
    const prepared = await storeStatement({
      db,
      tenantId,
      statement: aCompletedStatement({ learner }),
      clock: systemClock,
    });
    await db.pendingStatement.deleteMany({
      where: { tenantId, statementId: prepared.id },
    });
    await db.outboxEvent.deleteMany({
      where: {
        id: {
          in: (await outboxRowsCarrying(db, tenantId, prepared.id)).map(
            (row) => row.id,
          ),
        },
      },
    });
    const version = await db.ruleVersion.findFirstOrThrow({
      where: { rule: { key: ruleKey, ruleSet: { tenantId } } },
    });
    const [proposal] = planNudges({
      facts: { ...prepared, statementId: prepared.id },
      learnerId: person.id,
      rules: [
        {
          ruleId: version.ruleId,
          ruleVersionId: version.id,
          rule: anAfterCompletionRule({ key: ruleKey }),
        },
      ],
    });
    if (proposal === undefined) throw new Error("no plan");
    const nudges = await createPlan(db, {
      tenantId,
      personId: person.id,
      triggerStatementId: prepared.id,
      proposal,
      startedAt: new Date(),
      jobIdFor: nudgeJobId,
    });
    // Only the first nudge has its job, as when the later ones lie beyond the engine's horizon.
    await enqueueNudgeJobs(redis.queues, nudges.slice(0, 1));
    const { connection } = await createConnection(db, {
      tenantId,
      name: `cli-erase-${externalId}`,
    });
    await recordRejection(db, {
      connectionId: connection.id,
      at: new Date(),
      status: 400,
      code: "STATEMENT_INVALID",
      reason: "verb.id: must be an IRI",
      path: ["verb", "id"],
      statement: {
        actor: { mbox: `mailto:${learner.email}` },
        verb: { id: "done" },
      },
    });
    const jobIds = nudges.map((nudge) => nudge.jobId);
    const left = async () => ({
      people: await db.person.count({ where: { id: person.id } }),
      nudges: await db.plannedNudge.count({
        where: { jobId: { in: jobIds } },
      }),
      jobs: (
        await Promise.all(
          jobIds.map((jobId) => redis.queues.nudges.getJob(jobId)),
        )
      ).filter((job) => job !== undefined).length,
      rejections: await db.connectionRejection.count({
        where: { connectionId: connection.id },
      }),
    });
    expect(await left()).toEqual({
      people: 1,
      nudges: 2,
      jobs: 1,
      rejections: 1,
    });
    return { person, learner, left };
  }

  it("erases by email with --yes: the person, their data, their pending jobs and the rejections naming them", async () => {
    const anna = await aPersonToErase(`HR-${tag}-1`);
    const result = await runCli(
      [
        "people",
        "delete",
        `email:${anna.learner.email.toUpperCase()}`,
        "--yes",
      ],
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      erased: {
        id: anna.person.id,
        externalId: `HR-${tag}-1`,
        email: anna.learner.email,
        name: anna.learner.name,
      },
      statements: 1,
      plans: 1,
      nudges: 2,
      deliveries: 0,
      answers: 0,
      identities: 2,
      rejections: 1,
      // The job that was there; the other nudge had none.
      pendingJobs: { nudges: 2, removedFromRedis: 1 },
    });
    expect(await anna.left()).toEqual({
      people: 0,
      nudges: 0,
      jobs: 0,
      rejections: 0,
    });
  });

  it("erases by external id and says so when Redis does not answer", async () => {
    const bram = await aPersonToErase(`HR-${tag}-2`);
    const result = await runCli(
      ["people", "delete", `external:HR-${tag}-2`, "--yes"],
      { ...env, REDIS_URL: "redis://127.0.0.1:1" },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "The person is erased, but the Redis at REDIS_URL does not answer: their 2 pending nudge jobs stay in Redis until their time, then find no nudge and send nothing.\n",
    );
    expect(JSON.parse(result.stdout)).toMatchObject({
      erased: { id: bram.person.id },
      pendingJobs: {
        nudges: 2,
        removedFromRedis: 0,
        redisUnreachable: "the Redis at REDIS_URL does not answer",
      },
    });
    expect(await bram.left()).toEqual({
      people: 0,
      nudges: 0,
      jobs: 1,
      rejections: 0,
    });
  });

  it("refuses without --yes when it cannot ask, and refuses unknown, bare or malformed references, erasing nothing", async () => {
    const carla = await aPersonToErase(`HR-${tag}-3`);
    const unconfirmed = await runCli(
      ["people", "delete", `external:HR-${tag}-3`],
      env,
    );
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stdout).toBe("");
    expect(unconfirmed.stderr).toBe(
      `Nothing was erased: erasing ${carla.learner.name}, ${carla.learner.email}, external id HR-${tag}-3, id ${carla.person.id} asks for confirmation on a terminal. Add --yes to erase without asking.\n`,
    );
    const unknown = await runCli(
      ["people", "delete", `email:nobody-${tag}@example.test`, "--yes"],
      env,
    );
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe(
      `No person email:nobody-${tag}@example.test in the directory; nothing was erased.\n`,
    );
    const bare = await runCli(
      ["people", "delete", carla.learner.email, "--yes"],
      env,
    );
    expect(bare.code).toBe(2);
    expect(bare.stderr).toBe(
      `"${carla.learner.email}" could be an email or an external id: write email:${carla.learner.email} or external:${carla.learner.email}.\n`,
    );
    const malformed = await runCli(
      ["people", "delete", "email:carla", "--yes"],
      env,
    );
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"email:carla" names no email address');
    expect(await carla.left()).toEqual({
      people: 1,
      nudges: 2,
      jobs: 1,
      rejections: 1,
    });
  });
});
