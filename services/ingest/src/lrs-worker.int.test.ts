// The lrs worker runs pulls on a repeating BullMQ job scheduler per pull connection, kept in
// step with Postgres: disabling the connection or switching it to push removes the schedule.
import { randomUUID } from "node:crypto";

import { createConnection, updateConnection } from "@beklijf/db";
import { connectionPullJobId } from "@beklijf/queue";
import {
  aCompletedStatement,
  aLearner,
  aTenant,
  eventually,
  type ListeningServer,
  listenOnFreePort,
  type OwnTestDb,
  ownTestDb,
  serviceTestDeps,
  testQueues,
} from "@beklijf/testing";
import express from "express";

import { type LrsWorker, startLrsWorker } from "./lrs-worker";

const SECRET = "the-lrs-worker-test-secret-0123456789";

describe("the lrs worker's pull schedules", () => {
  const redis = testQueues("ingest-lrs-worker");
  let own: OwnTestDb;
  let server: ListeningServer;
  let worker: LrsWorker;
  let requests = 0;
  const statement = {
    ...aCompletedStatement({ learner: aLearner() }),
    id: randomUUID(),
    stored: "2026-02-01T12:00:00.000Z",
  };

  beforeAll(async () => {
    own = await ownTestDb();
    const app = express();
    app.get("/xapi/statements", (_req, res) => {
      requests += 1;
      res.set("X-Experience-API-Consistent-Through", new Date().toISOString());
      res.json({ statements: [statement], more: "" });
    });
    server = await listenOnFreePort(app);
    worker = startLrsWorker(
      serviceTestDeps({ db: own.db, queues: redis.queues }),
      {
        connection: redis.connection,
        prefix: redis.prefix,
        secrets: [SECRET],
        syncIntervalMs: 200,
      },
    );
  });

  afterAll(async () => {
    await worker.stop();
    await server.close();
    await redis.close();
    await own.drop();
  });

  const schedulerKeys = async () =>
    (await redis.queues.lrs.getJobSchedulers(0, -1)).map((s) => s.key);
  /** Waits until the connection's pull schedule exists (or, with `false`, is gone). */
  const scheduled = (connectionId: string, wanted: boolean) =>
    eventually(
      async () =>
        (await schedulerKeys()).includes(connectionPullJobId(connectionId)) ===
        wanted
          ? true
          : undefined,
      { timeoutMs: 5_000, what: `the pull schedule to be ${String(wanted)}` },
    );

  it("pulls an enabled pull connection on its schedule, and stops when it is disabled", async () => {
    const tenantId = await aTenant(own.db, "lrs-worker");
    const { connection } = await createConnection(own.db, {
      tenantId,
      name: "lrs",
      mode: "pull",
      lrs: { endpoint: `${server.url}/xapi`, username: "u", password: "p" },
      pullIntervalSeconds: 1,
      sealingSecret: SECRET,
    });
    await eventually(
      async () =>
        (await own.db.statement.count({
          where: { connectionId: connection.id },
        })) === 1
          ? true
          : undefined,
      { timeoutMs: 10_000, what: "the scheduled pull to import the statement" },
    );
    expect(await schedulerKeys()).toContain(connectionPullJobId(connection.id));

    await updateConnection(own.db, tenantId, connection.id, { enabled: false });
    await scheduled(connection.id, false);
    const seen = requests;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(requests).toBe(seen);

    await updateConnection(own.db, tenantId, connection.id, { enabled: true });
    await scheduled(connection.id, true);
    await updateConnection(own.db, tenantId, connection.id, { mode: "push" });
    await scheduled(connection.id, false);
    // Imported once, however many runs there were.
    expect(
      await own.db.statement.count({ where: { connectionId: connection.id } }),
    ).toBe(1);
  });
});
