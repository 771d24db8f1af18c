import { randomUUID } from "node:crypto";

import { createManualClock } from "@beklijf/core";
import { createWorker, UnrecoverableError } from "@beklijf/queue";
import { jobSettled, testLogger, testQueues } from "@beklijf/testing";

import { enqueueNudges, ensureNudgeJobs } from "./enqueue-nudge";

// ensureNudgeJobs (the reconciler's check of a page of planned nudges) against real Redis.

describe("ensureNudgeJobs", () => {
  const redis = testQueues("engine-ensure-nudges");
  const { queues } = redis;
  const clock = createManualClock(new Date("2030-05-06T08:00:00Z"));
  const inAnHour = new Date(clock.now().getTime() + 3600 * 1000);
  const aNudge = (dueAt: Date) => {
    const id = randomUUID();
    return { id, jobId: `nudge-${id}`, dueAt };
  };

  afterAll(async () => {
    await redis.close();
  });

  describe("for a page with a missing, a waiting and a failed job", () => {
    const missing = aNudge(inAnHour);
    const waiting = aNudge(inAnHour);
    const failed = aNudge(clock.now());
    let added: number;
    let waitingTimestamp: number | undefined;

    beforeAll(async () => {
      await enqueueNudges({ queues, clock }, [waiting, failed]);
      waitingTimestamp = (await queues.nudges.getJob(waiting.jobId))?.timestamp;
      // A job that failed for good while its row still says planned (its retries spent).
      const worker = createWorker(
        "nudges",
        {
          "nudge.fire": () =>
            Promise.reject(new UnrecoverableError("database down")),
        },
        { ...redis, logger: testLogger },
      );
      const { state } = await jobSettled(queues.nudges, failed.jobId, {
        timeoutMs: 10_000,
      });
      await worker.close();
      expect(state).toBe("failed");

      added = await ensureNudgeJobs({ queues, clock }, [
        missing,
        waiting,
        { ...failed, dueAt: inAnHour },
      ]);
    });

    it("adds the missing job and replaces the failed one", async () => {
      expect(added).toBe(2);
      for (const nudge of [missing, failed]) {
        const job = await queues.nudges.getJob(nudge.jobId);
        expect(await job?.getState()).toBe("delayed");
        expect(job?.data).toEqual({ plannedNudgeId: nudge.id });
        expect(job?.attemptsMade).toBe(0);
      }
    });

    it("leaves the waiting job as it was", async () => {
      const job = await queues.nudges.getJob(waiting.jobId);
      expect(await job?.getState()).toBe("delayed");
      expect(job?.timestamp).toBe(waitingTimestamp);
    });

    it("adds nothing on a second pass", async () => {
      expect(
        await ensureNudgeJobs({ queues, clock }, [missing, waiting, failed]),
      ).toBe(0);
    });
  });
});
