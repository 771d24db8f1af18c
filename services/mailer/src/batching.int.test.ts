import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";

import { createManualClock } from "@beklijf/core";
import {
  deliveryHandOff,
  dispatchHandOffs,
  enqueue,
  type Job,
  type Queues,
} from "@beklijf/queue";
import { aLearner, jobSettled, testQueues } from "@beklijf/testing";

import {
  aQueuedDelivery,
  aServerThatKills,
  closeServer,
  listenOnLoopback,
  sendAgain,
  spawnMailerProcess,
  startTestMailer,
  useMailerWorld,
} from "./test-fixtures";
import { createDeliveryBatches } from "./workers/delivery-batches";

// Many delivery.send jobs at once, so that they share their loads, claims and "sent" updates
// (workers/delivery-batches.ts): each email still goes out once, and one email's refusal or retry
// touches no other. Real Postgres, Redis and SMTP servers on loopback.

describe("the mailer with many deliveries at once", () => {
  const world = useMailerWorld("mailer-batch", {
    smtpQuery: "?maxConnections=10",
    concurrency: 30,
  });
  const { redis, clock } = world;

  /** `count` queued deliveries, each to a learner of its own. */
  async function someQueuedDeliveries(
    count: number,
  ): Promise<{ id: string; email: string }[]> {
    const made: { id: string; email: string }[] = [];
    for (let i = 0; i < count; i += 1) {
      const learner = aLearner();
      made.push({
        id: await aQueuedDelivery(world.db, {
          tenantId: world.tenantId,
          clock,
          learner,
        }),
        email: learner.email,
      });
    }
    return made;
  }

  /** Hands every delivery off at once (one addBulk) and waits until each job has settled. */
  async function sendAll(
    deliveries: readonly { id: string }[],
    on: Queues = redis.queues,
  ): Promise<Job[]> {
    await dispatchHandOffs(
      on,
      deliveries.map((d) => deliveryHandOff(d.id)),
    );
    const settled = await Promise.all(
      deliveries.map((d) =>
        jobSettled(on.deliveries, deliveryHandOff(d.id).jobId, {
          timeoutMs: 30_000,
        }),
      ),
    );
    for (const { state } of settled) expect(state).toBe("completed");
    return settled.map((s) => s.job);
  }

  const mailsTo = (address: string) =>
    world.sink.messages().filter((mail) => mail.to.includes(address));
  const rowsOf = (deliveries: readonly { id: string }[]) =>
    world.db.delivery.findMany({
      where: { id: { in: deliveries.map((d) => d.id) } },
    });

  describe("createDeliveryBatches", () => {
    it("loads the deliveries asked for in the same moment, and null for one that is gone", async () => {
      const [a, b] = await someQueuedDeliveries(2);
      const batches = createDeliveryBatches(world.db, clock);
      const gone = randomUUID();
      const loaded = await Promise.all(
        [a?.id ?? "", gone, b?.id ?? ""].map((id) => batches.load.run(id)),
      );
      expect(loaded.map((d) => d?.toAddress ?? null)).toEqual([
        a?.email,
        null,
        b?.email,
      ]);
      expect(loaded[0]).toMatchObject({ status: "queued", suppressed: false });
    });

    it("claims each delivery once when two jobs of it ask in the same batch", async () => {
      const [a, b] = await someQueuedDeliveries(2);
      const batches = createDeliveryBatches(world.db, clock);
      const ids = [a?.id ?? "", a?.id ?? "", b?.id ?? ""];
      expect(await Promise.all(ids.map((id) => batches.claim.run(id)))).toEqual(
        [true, false, true],
      );
      expect(await Promise.all(ids.map((id) => batches.claim.run(id)))).toEqual(
        [false, false, false],
      );
      for (const row of await rowsOf([
        { id: ids[0] ?? "" },
        { id: ids[2] ?? "" },
      ]))
        expect(row).toMatchObject({
          status: "sending",
          attempts: 1,
          attemptStartedAt: clock.now(),
        });
    });

    it("records each delivery of a batch as sent with its own Message-ID and time", async () => {
      const [a, b] = await someQueuedDeliveries(2);
      const batches = createDeliveryBatches(world.db, clock);
      const later = new Date(clock.now().getTime() + 1_000);
      await Promise.all([
        batches.markSent.run({
          id: a?.id ?? "",
          messageId: "<a@x>",
          at: clock.now(),
        }),
        batches.markSent.run({
          id: b?.id ?? "",
          messageId: "<b@x>",
          at: later,
        }),
      ]);
      const rows = await rowsOf([{ id: a?.id ?? "" }, { id: b?.id ?? "" }]);
      expect(rows.find((r) => r.id === a?.id)).toMatchObject({
        status: "sent",
        messageId: "<a@x>",
        sentAt: clock.now(),
      });
      expect(rows.find((r) => r.id === b?.id)).toMatchObject({
        status: "sent",
        messageId: "<b@x>",
        sentAt: later,
      });
    });
  });

  describe("when 30 deliveries are handed off at once, five of them twice", () => {
    let deliveries: { id: string; email: string }[];
    let jobs: Job[];
    let replays: { state: string }[];

    beforeAll(async () => {
      deliveries = await someQueuedDeliveries(30);
      const replayed = deliveries.slice(0, 5);
      const replayIds = replayed.map(() => `replay-${randomUUID()}`);
      const sending = sendAll(deliveries);
      await Promise.all(
        replayed.map((d, i) =>
          enqueue(
            redis.queues,
            "deliveries",
            "delivery.send",
            { deliveryId: d.id },
            { jobId: replayIds[i] ?? "" },
          ),
        ),
      );
      jobs = await sending;
      replays = await Promise.all(
        replayIds.map((jobId) =>
          jobSettled(redis.queues.deliveries, jobId, { timeoutMs: 30_000 }),
        ),
      );
    }, 60_000);

    it("sends each learner exactly one email, each with its own Message-ID", () => {
      for (const d of deliveries) {
        const mails = mailsTo(d.email);
        expect(mails).toHaveLength(1);
        expect(mails[0]?.headers["message-id"]).toBe(
          `<delivery-${d.id}@learn.example.test>`,
        );
      }
      expect(replays.map((r) => r.state)).toEqual(Array(5).fill("completed"));
    });

    it("records every delivery as sent after one attempt", async () => {
      const rows = await rowsOf(deliveries);
      expect(rows).toHaveLength(30);
      for (const row of rows)
        expect(row).toMatchObject({
          status: "sent",
          attempts: 1,
          sentAt: clock.now(),
          messageId: `<delivery-${row.id}@learn.example.test>`,
        });
      expect(jobs.map((job) => job.attemptsMade)).toEqual(Array(30).fill(1));
    });
  });

  describe("when the server refuses one recipient of a batch with 550", () => {
    let deliveries: { id: string; email: string }[];
    let refused: { id: string; email: string };
    let jobs: Job[];

    beforeAll(async () => {
      deliveries = await someQueuedDeliveries(12);
      refused = deliveries[4] ?? { id: "", email: "" };
      world.sink.failRecipient(refused.email, 550, 1);
      jobs = await sendAll(deliveries);
    }, 60_000);

    it("sends the others, once each", async () => {
      for (const d of deliveries)
        expect(mailsTo(d.email)).toHaveLength(d === refused ? 0 : 1);
      const rows = await rowsOf(deliveries);
      for (const row of rows.filter((r) => r.id !== refused.id))
        expect(row).toMatchObject({ status: "sent", attempts: 1 });
    });

    it("fails and suppresses only the refused one, without retrying any job", async () => {
      const [row] = await rowsOf([refused]);
      expect(row).toMatchObject({
        status: "failed",
        lastError: "refused by the mail server (550); address suppressed",
      });
      expect(
        await world.db.suppression.findMany({
          where: {
            tenantId: world.tenantId,
            address: { in: deliveries.map((d) => d.email) },
          },
        }),
      ).toEqual([
        expect.objectContaining({ address: refused.email, reason: "bounced" }),
      ]);
      expect(jobs.map((job) => job.attemptsMade)).toEqual(Array(12).fill(1));
    });
  });

  describe("when the server answers 451 to one recipient of a batch", () => {
    let deliveries: { id: string; email: string }[];
    let deferred: { id: string; email: string };
    let jobs: Job[];

    beforeAll(async () => {
      deliveries = await someQueuedDeliveries(12);
      deferred = deliveries[7] ?? { id: "", email: "" };
      world.sink.failRecipient(deferred.email, 451, 1);
      jobs = await sendAll(deliveries);
    }, 60_000);

    it("retries only that one, and every learner gets exactly one email", async () => {
      for (const d of deliveries) expect(mailsTo(d.email)).toHaveLength(1);
      expect(jobs.map((job) => job.attemptsMade)).toEqual(
        deliveries.map((d) => (d === deferred ? 2 : 1)),
      );
      const rows = await rowsOf(deliveries);
      for (const row of rows)
        expect(row).toMatchObject({
          status: "sent",
          attempts: row.id === deferred.id ? 2 : 1,
          lastError: null,
        });
    });
  });

  describe("when the mailer process is killed in the middle of a batch", () => {
    // A real mailer process (services/mailer's bin, pool of 5, concurrency 10) sends 24 emails to
    // a server that, once it has the whole of the 6th message, kills that process and only then
    // answers: some emails are recorded sent, some accepted but not recorded, some claimed and
    // not yet sent, some not even claimed. A mailer started afterwards, past the longest SMTP
    // attempt, finishes the work through the sink.
    const crashing = testQueues("mailer-batch-crash");
    const KILL_AT = 6;
    const killing = aServerThatKills(KILL_AT);
    let child: ChildProcess | undefined;
    let deliveries: { id: string; email: string }[];
    let afterCrash: Map<string, string>;

    beforeAll(async () => {
      const port = await listenOnLoopback(killing.server);
      deliveries = await someQueuedDeliveries(24);
      child = spawnMailerProcess({
        env: process.env,
        databaseUrl: world.databaseUrl,
        prefix: crashing.prefix,
        smtpUrl: `smtp://127.0.0.1:${port}?maxConnections=5`,
      });
      const exited = killing.watch(child);
      await dispatchHandOffs(
        crashing.queues,
        deliveries.map((d) => deliveryHandOff(d.id)),
      );
      await exited;
      afterCrash = new Map(
        (await rowsOf(deliveries)).map((row) => [row.id, row.status]),
      );

      // The jobs come back (here under new ids, as the reconciler or a retry would bring them).
      const later = createManualClock(new Date(Date.now() + 6 * 60_000));
      const again = startTestMailer({
        db: world.db,
        pack: world.pack,
        on: crashing,
        smtpUrl: world.sink.url,
        clock: later,
      });
      try {
        expect(
          await sendAgain(
            crashing.queues,
            deliveries.map((d) => d.id),
            { timeoutMs: 30_000 },
          ),
        ).toEqual(deliveries.map(() => "completed"));
      } finally {
        await again.stop();
      }
    }, 90_000);

    afterAll(async () => {
      if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
      await crashing.close();
      await closeServer(killing.server);
    });

    it("was killed with work left at every step", () => {
      const statuses = [...afterCrash.values()];
      expect(statuses).toContain("sending");
      expect(statuses).toContain("queued");
      expect(killing.messages()).toBeGreaterThanOrEqual(KILL_AT);
    });

    it("never sends an email twice, and sends every one not in doubt", async () => {
      // Before the crash to the crashing server, after it to the sink.
      const mailsOf = (email: string) =>
        killing.receivedBy(email) + mailsTo(email).length;
      for (const d of deliveries)
        expect(mailsOf(d.email)).toBeLessThanOrEqual(1);
      const rows = await rowsOf(deliveries);
      for (const row of rows) {
        expect(["sent", "unknown"]).toContain(row.status);
        const email = deliveries.find((d) => d.id === row.id)?.email ?? "";
        if (row.status === "sent") expect(mailsOf(email)).toBe(1);
        // Not resent: only a delivery the killed process had claimed can be in doubt.
        if (row.status === "unknown") {
          expect(afterCrash.get(row.id)).toBe("sending");
          expect(row.lastError).toMatch(/not resent/);
        }
      }
      // Whatever was still queued at the crash went out afterwards.
      for (const [id, status] of afterCrash)
        if (status === "queued")
          expect(rows.find((r) => r.id === id)?.status).toBe("sent");
    });
  });
});
