import { systemClock } from "@beklijf/core";
import { addOutboxEvents, type PrismaClient } from "@beklijf/db";
import { statementHandOff } from "@beklijf/queue";
import {
  aTenant,
  type OwnTestDb,
  ownTestDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { startOutboxRelay } from "./outbox-relay";

describe("the outbox relay", () => {
  describe("when an entry can never be enqueued", () => {
    const redis = testQueues("ingest-poison");
    const { queues } = redis;
    // Its own database: the relay serves every tenant, and this file plants a bad row on purpose.
    let own: OwnTestDb | undefined;
    let db: PrismaClient;

    beforeAll(async () => {
      own = await ownTestDb();
      ({ db } = own);
    });

    afterAll(async () => {
      await redis.close();
      await own?.drop();
    });

    it("sets it aside with the reason and still dispatches the entries behind it", async () => {
      const tenantId = await aTenant(db, "poison");
      const good = statementHandOff(
        tenantId,
        "0f5e4b2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b",
      );
      await addOutboxEvents(db, [
        {
          tenantId,
          queue: "no-such-queue",
          jobName: "x.y",
          jobId: "poison-1",
          payload: {},
        },
        {
          tenantId,
          queue: "statements",
          jobName: "statement.process",
          jobId: "poison-2",
          payload: { tenantId },
        },
        { tenantId, ...good },
      ]);
      const relay = startOutboxRelay(
        { db, queues, clock: systemClock, logger: testLogger },
        { intervalMs: 3_600_000, graceMs: 0 },
      );
      try {
        expect(await relay.runOnce()).toBe(1);
      } finally {
        await relay.stop();
      }
      expect(await queues.statements.getJob(good.jobId)).toBeDefined();
      const rows = await db.outboxEvent.findMany({
        where: { tenantId },
        orderBy: { id: "asc" },
      });
      expect(
        rows.map((r) => [r.jobId, r.dispatchedAt !== null, r.error]),
      ).toEqual([
        [
          "poison-1",
          true,
          expect.stringContaining('unknown queue "no-such-queue"'),
        ],
        [
          "poison-2",
          true,
          expect.stringContaining("payload does not match statement.process"),
        ],
        [good.jobId, true, null],
      ]);
      expect(await relay.runOnce()).toBe(0);
    });
  });
});
