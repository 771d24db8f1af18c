// Answers back to the LRS, end to end: an answer row, its outbox hand-off dispatched to the lrs
// queue, the lrs worker, and another beklijf ingest on a free port as the outbound LRS, which
// must hold the statement once however often the job runs.
import { randomUUID } from "node:crypto";

import { systemClock } from "@beklijf/core";
import {
  answerForwardingEnabled,
  createConnection,
  type PrismaClient,
  storeStatements,
} from "@beklijf/db";
import {
  answerForwardHandOff,
  answerForwardJobId,
  dispatchHandOffs,
  statementHandOff,
} from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  anAfterCompletionRule,
  aTenant,
  aTenantWithRules,
  jobSettled,
  type ListeningServer,
  serveMounted,
  serviceTestDeps,
  testDb,
  testQueues,
} from "@beklijf/testing";
import {
  answerStatementId,
  BEKLIJF_EXTENSIONS,
  prepareStatement,
} from "@beklijf/xapi";

import { buildApp } from "../app";
import { type LrsWorker, startLrsWorker } from "../lrs-worker";
import { forwardAnswer } from "./forward-answer";

const SECRET = "forward-answer-test-secret-0123456789";

describe("answer.forward", () => {
  const redis = testQueues("ingest-forward");
  let db: PrismaClient;
  let outbound: ListeningServer;
  let outboundTenant: string;
  let worker: LrsWorker;
  let tenantId: string;
  let connectionId: string;

  beforeAll(async () => {
    db = testDb();
    // The outbound LRS: beklijf's own statement resource with a tenant and connection of its own.
    outboundTenant = await aTenant(db, "forward-lrs");
    const lrsConnection = await createConnection(db, {
      tenantId: outboundTenant,
      name: "beklijf-answers",
      rateLimitPerMinute: null,
    });
    outbound = await serveMounted(
      "/xapi",
      buildApp(serviceTestDeps({ db, queues: redis.queues })),
    );
    tenantId = await aTenantWithRules(db, "forward", [anAfterCompletionRule()]);
    const { connection } = await createConnection(db, {
      tenantId,
      name: "moodle",
      lrs: {
        endpoint: `${outbound.url}/xapi`,
        username: lrsConnection.connection.key,
        password: lrsConnection.secret,
      },
      forwardAnswers: true,
      sealingSecret: SECRET,
    });
    connectionId = connection.id;
    worker = startLrsWorker(serviceTestDeps({ db, queues: redis.queues }), {
      connection: redis.connection,
      prefix: redis.prefix,
      secrets: [SECRET],
      schedulePulls: false,
    });
  });

  afterAll(async () => {
    await worker.stop();
    await outbound.close();
    await redis.close();
    await db.$disconnect();
  });

  /** A completion from the connection, a plan it started, a nudge of it and the learner's answer. */
  const anAnswer = async (
    kind = "reflection",
    value: { [key: string]: string | number } = {
      level: 2,
      text: "I now plan my day around it.",
    },
  ) => {
    const learner = aLearner();
    const trigger = prepareStatement(
      {
        ...aCompletedStatement({ learner }),
        context: { registration: randomUUID() },
      },
      { clock: systemClock },
    );
    if (!trigger.ok) throw new Error("invalid trigger");
    await storeStatements(db, {
      tenantId,
      connectionId,
      statements: [trigger.value],
      handOffs: (ids) =>
        ids.map((id) => ({ tenantId, ...statementHandOff(tenantId, id) })),
    });
    const person = await db.person.create({
      data: {
        tenantId,
        email: learner.email,
        name: learner.name,
        locale: "nl",
        timeZone: "Europe/Amsterdam",
      },
    });
    const ruleVersion = await db.ruleVersion.findFirstOrThrow({
      where: { rule: { ruleSet: { tenantId } } },
    });
    const plan = await db.plan.create({
      data: {
        tenantId,
        entryKey: randomUUID(),
        ruleVersionId: ruleVersion.id,
        personId: person.id,
        triggerStatementId: trigger.value.id,
        startedAt: new Date(),
      },
    });
    const nudge = await db.plannedNudge.create({
      data: {
        tenantId,
        planId: plan.id,
        jobId: `nudge-${randomUUID()}`,
        stepKey: "reflect",
        recipientKind: "learner",
        recipientPersonId: person.id,
        template: "reflect",
        dueAt: new Date(),
      },
    });
    const answer = await db.answer.create({
      data: {
        tenantId,
        personId: person.id,
        plannedNudgeId: nudge.id,
        kind,
        value,
      },
    });
    return { answer, nudge, trigger: trigger.value, learner };
  };

  it("tells recordAnswer that answers on this connection's nudges are forwarded", async () => {
    const { nudge } = await anAnswer();
    expect(await answerForwardingEnabled(db, tenantId, nudge.id)).toBe(true);
    expect(await answerForwardingEnabled(db, tenantId, null)).toBe(false);
    expect(await answerForwardingEnabled(db, outboundTenant, nudge.id)).toBe(
      false,
    );
  });

  it("sends the answer to the LRS once, even when the job runs twice", async () => {
    const { answer, trigger, learner } = await anAnswer();
    await dispatchHandOffs(redis.queues, [answerForwardHandOff(answer.id)]);
    const settled = await jobSettled(
      redis.queues.lrs,
      answerForwardJobId(answer.id),
      { timeoutMs: 10_000 },
    );
    expect(settled.state).toBe("completed");
    const statementId = answerStatementId(answer.id);
    const row = await db.answer.findUniqueOrThrow({ where: { id: answer.id } });
    expect(row.forwardedAt).not.toBeNull();
    expect(row.forwardedStatementId).toBe(statementId);
    expect(row.forwardError).toBeNull();

    const atLrs = await db.statement.findUniqueOrThrow({
      where: { tenantId_id: { tenantId: outboundTenant, id: statementId } },
    });
    expect(atLrs.raw).toMatchObject({
      actor: { mbox: `mailto:${learner.email}` },
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: trigger.objectId },
      result: {
        response: "I now plan my day around it.",
        extensions: { [BEKLIJF_EXTENSIONS.valueLevel]: 2 },
      },
      context: {
        registration: trigger.registration,
        statement: { objectType: "StatementRef", id: trigger.id },
      },
    });

    // The job again, as after a crash between sending and marking: the LRS already has it.
    await db.answer.update({
      where: { id: answer.id },
      data: { forwardedAt: null },
    });
    const deps = {
      ...serviceTestDeps({ db, queues: redis.queues }),
      secrets: [SECRET],
    };
    expect(await forwardAnswer(deps, answer.id)).toBe("forwarded");
    expect(await forwardAnswer(deps, answer.id)).toBe("already-forwarded");
    expect(
      await db.statement.count({
        where: { tenantId: outboundTenant, id: statementId },
      }),
    ).toBe(1);
  });

  it("keeps the error on the answer and throws, so BullMQ retries, while the LRS refuses", async () => {
    const { answer } = await anAnswer("applied", {
      status: "applied",
      story: "Done.",
    });
    await db.connection.update({
      where: { id: connectionId },
      data: { lrsEndpoint: `${outbound.url}/nothing-here` },
    });
    const deps = {
      ...serviceTestDeps({ db, queues: redis.queues }),
      secrets: [SECRET],
    };
    try {
      await expect(forwardAnswer(deps, answer.id)).rejects.toThrow(/404/);
      const row = await db.answer.findUniqueOrThrow({
        where: { id: answer.id },
      });
      expect(row.forwardedAt).toBeNull();
      expect(row.forwardError).toMatch(/answered 404/);
    } finally {
      await db.connection.update({
        where: { id: connectionId },
        data: { lrsEndpoint: `${outbound.url}/xapi` },
      });
    }
    expect(await forwardAnswer(deps, answer.id)).toBe("forwarded");
    const atLrs = await db.statement.findUniqueOrThrow({
      where: {
        tenantId_id: {
          tenantId: outboundTenant,
          id: answerStatementId(answer.id),
        },
      },
    });
    expect(atLrs.raw).toMatchObject({
      result: {
        response: "Done.",
        completion: true,
        extensions: { [BEKLIJF_EXTENSIONS.appliedStatus]: "applied" },
      },
    });
  });
});
