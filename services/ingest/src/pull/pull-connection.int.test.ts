// Pull mode against a real LRS: beklijf's own statement resource, served on a free port with a
// tenant and connection of its own, is the external LRS. Its clock is manual, so the test decides
// what its X-Experience-API-Consistent-Through says.
import {
  createManualClock,
  type ManualClock,
  systemClock,
} from "@beklijf/core";
import {
  createConnection,
  getConnectionById,
  getConnectionHealth,
  listRejections,
  type PrismaClient,
} from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  aTenant,
  type ListeningServer,
  type OwnTestDb,
  ownTestDb,
  postStatements,
  serveMounted,
  serviceTestDeps,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { buildApp } from "../app";
import { pullConnection, type PullDeps } from "./pull-connection";

const SECRET = "a-test-secret-of-at-least-32-characters!";

describe("pullConnection from another beklijf as the LRS", () => {
  const redis = testQueues("ingest-pull");
  let own: OwnTestDb;
  let db: PrismaClient;
  let lrs: ListeningServer;
  let lrsClock: ManualClock;
  let lrsAuthorization: string;
  let lrsKey: string;
  let lrsSecret: string;
  let deps: PullDeps;

  beforeAll(async () => {
    // A database of its own: a pull connection in the shared one would be pulled by every lrs
    // worker that other test files start.
    own = await ownTestDb();
    db = own.db;
    lrsClock = createManualClock(new Date("2026-03-02T09:00:00.000Z"));
    const sourceTenant = await aTenant(db, "pull-source");
    const created = await createConnection(db, {
      tenantId: sourceTenant,
      name: "lms",
      rateLimitPerMinute: null,
    });
    lrsKey = created.connection.key;
    lrsSecret = created.secret;
    lrsAuthorization = `Basic ${Buffer.from(`${lrsKey}:${lrsSecret}`).toString("base64")}`;
    lrs = await serveMounted(
      "/xapi",
      buildApp({
        ...serviceTestDeps({ db, queues: redis.queues }),
        clock: lrsClock,
      }),
    );
    deps = {
      db,
      clock: systemClock,
      logger: testLogger,
      metrics: serviceTestDeps({ db, queues: redis.queues }).metrics,
      secrets: [SECRET],
    };
  });

  afterAll(async () => {
    await lrs.close();
    await redis.close();
    await own.drop();
  });

  /** Posts `count` completions to the LRS at its current clock time; returns their ids. */
  const sendToLrs = async (count: number): Promise<string[]> => {
    const batch = Array.from({ length: count }, () =>
      aCompletedStatement({ learner: aLearner() }),
    );
    const response = await postStatements(lrs.url, batch, {
      authorization: lrsAuthorization,
    });
    expect(response.status).toBe(200);
    const ids: unknown = await response.json();
    if (!Array.isArray(ids)) throw new Error("the LRS did not answer ids");
    return ids.map(String);
  };

  /** A pull connection of a fresh tenant that reads the LRS. */
  const aPullConnection = async (
    password = lrsSecret,
  ): Promise<{ tenantId: string; id: string }> => {
    const tenantId = await aTenant(db, "pull-target");
    const { connection } = await createConnection(db, {
      tenantId,
      name: "lrs",
      mode: "pull",
      lrs: { endpoint: `${lrs.url}/xapi`, username: lrsKey, password },
      pullIntervalSeconds: 60,
      sealingSecret: SECRET,
    });
    return { tenantId, id: connection.id };
  };

  const importedIds = async (connectionId: string): Promise<string[]> =>
    (
      await db.statement.findMany({
        where: { connectionId },
        select: { id: true },
        orderBy: { id: "asc" },
      })
    ).map((s) => s.id);

  /** Lets the LRS's consistent-through (its now minus 2 s) pass what was stored so far. */
  const settle = () => {
    lrsClock.advance(5_000);
  };

  /** Pretends the interval passed, so the next run is not skipped. */
  const dueNow = (id: string) =>
    db.connection.update({ where: { id }, data: { pullNextRunAt: null } });

  it("imports every statement, following more, and hands each to the engine", async () => {
    const sent = await sendToLrs(7);
    settle();
    const target = await aPullConnection();
    const outcome = await pullConnection(deps, target.id, { pageSize: 3 });
    expect(outcome).toEqual({ kind: "pulled", imported: 7, pages: 3 });
    expect(await importedIds(target.id)).toEqual([...sent].sort());
    // A statements.process slice per page stored, naming each statement once.
    const handOffs = await db.outboxEvent.findMany({
      where: { tenantId: target.tenantId },
    });
    expect(handOffs.map((row) => row.jobName)).toEqual(
      handOffs.map(() => "statements.process"),
    );
    expect(
      handOffs
        .flatMap(
          (row) => (row.payload as { statementIds: string[] }).statementIds,
        )
        .sort(),
    ).toEqual(await importedIds(target.id));
  });

  it("never imports a statement twice when run again, and takes only what is new", async () => {
    const first = await sendToLrs(4);
    settle();
    const target = await aPullConnection();
    await pullConnection(deps, target.id, { pageSize: 2 });
    const before = await importedIds(target.id);
    await dueNow(target.id);
    expect(
      await pullConnection(deps, target.id, { pageSize: 2 }),
    ).toMatchObject({
      kind: "pulled",
      imported: 0,
    });
    const later = await sendToLrs(2);
    settle();
    await dueNow(target.id);
    expect(
      await pullConnection(deps, target.id, { pageSize: 2 }),
    ).toMatchObject({
      imported: 2,
    });
    const after = await importedIds(target.id);
    expect(before).toEqual(expect.arrayContaining(first));
    expect(after).toEqual(expect.arrayContaining([...first, ...later]));
    expect(after).toHaveLength(before.length + 2);
  });

  it("resumes from its cursor after a run that stopped part-way", async () => {
    const target = await aPullConnection();
    // Everything already in the LRS, stored at a handful of instants with many ids each.
    await pullConnection(deps, target.id, { pageSize: 4, maxPages: 1 });
    const partial = await importedIds(target.id);
    expect(partial).toHaveLength(4);
    const cursor = await getConnectionById(db, target.id);
    expect(cursor?.pullCursorStored).not.toBeNull();
    expect(cursor?.pullCursorIds.length).toBeGreaterThan(0);
    await dueNow(target.id);
    // A new run, as after a restart: only the cursor in Postgres carries over.
    const rest = await pullConnection(deps, target.id, { pageSize: 4 });
    expect(rest.kind).toBe("pulled");
    const all = await importedIds(target.id);
    const inLrs = await db.statement.count({
      where: { connection: { key: lrsKey } },
    });
    expect(all).toHaveLength(inLrs);
    expect(new Set(all).size).toBe(all.length);
  });

  it("leaves statements stored after the LRS's consistent-through for a later run", async () => {
    const target = await aPullConnection();
    await pullConnection(deps, target.id);
    const settled = await importedIds(target.id);
    // Stored "now" at the LRS, whose consistent-through is 2 s earlier.
    const fresh = await sendToLrs(3);
    await dueNow(target.id);
    expect(await pullConnection(deps, target.id)).toMatchObject({
      imported: 0,
    });
    settle();
    await dueNow(target.id);
    expect(await pullConnection(deps, target.id)).toMatchObject({
      imported: 3,
    });
    expect(await importedIds(target.id)).toEqual([...settled, ...fresh].sort());
  });

  it("backs off when the LRS refuses the credentials, with the error in health", async () => {
    const target = await aPullConnection("not-the-secret");
    const outcome = await pullConnection(deps, target.id, { random: () => 0 });
    expect(outcome.kind).toBe("failed");
    const connection = await getConnectionById(db, target.id);
    if (connection === null) throw new Error("connection gone");
    const health = await getConnectionHealth(db, connection);
    expect(health.pull?.lastError).toMatch(/answered 401/);
    expect(health.pull?.consecutiveFailures).toBe(1);
    // 60 s interval, first failure, no jitter: half the interval.
    expect(health.pull?.nextRunAt?.getTime()).toBe(
      (health.pull?.lastRunAt?.getTime() ?? 0) + 30_000,
    );
    expect(JSON.stringify(health)).not.toContain("not-the-secret");
    expect(await pullConnection(deps, target.id)).toEqual({
      kind: "skipped",
      reason: "backing off",
    });
    expect(await importedIds(target.id)).toEqual([]);
  });

  it("skips a disabled connection", async () => {
    const target = await aPullConnection();
    await db.connection.update({
      where: { id: target.id },
      data: { enabled: false },
    });
    expect(await pullConnection(deps, target.id)).toMatchObject({
      kind: "skipped",
    });
  });

  it("records an invalid statement in the LRS as a rejection and passes it over", async () => {
    // The LRS here is beklijf, which stores only valid statements; this one is made invalid by
    // the purpose-built LRS in pull-failures.int.test.ts. Here: a statement in the LRS whose id
    // is taken in the target tenant with other content is a conflict (409), passed over.
    const [id] = await sendToLrs(1);
    settle();
    const target = await aPullConnection();
    const { connection: other, secret } = await createConnection(db, {
      tenantId: target.tenantId,
      name: "push",
    });
    const clash = await postStatements(
      lrs.url,
      { ...aCompletedStatement({ learner: aLearner() }), id },
      {
        authorization: `Basic ${Buffer.from(`${other.key}:${secret}`).toString("base64")}`,
      },
    );
    expect(clash.status).toBe(200);
    await pullConnection(deps, target.id);
    const rejections = await listRejections(db, target.id);
    expect(rejections[0]).toMatchObject({
      status: 409,
      code: "STATEMENT_ID_CONFLICT",
    });
    // Everything else in the LRS was imported.
    expect((await importedIds(target.id)).length).toBeGreaterThan(0);
    expect(await importedIds(target.id)).not.toContain(id);
  });
});
