import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";

import { type Clock, createManualClock, verifyToken } from "@beklijf/core";
import { ensurePersonForMbox } from "@beklijf/db";
import {
  deliveryHandOff,
  dispatchHandOffs,
  enqueue,
  type Job,
  type Queues,
} from "@beklijf/queue";
import {
  aLearner,
  type CapturedMail,
  jobSettled,
  type TestQueues,
  testQueues,
} from "@beklijf/testing";
import { SMTPServer } from "smtp-server";

import type { MailerHandle } from "./start";
import {
  aQueuedDelivery as aDeliveryFor,
  aServerThatKills,
  closeServer,
  listenOnLoopback,
  MAIL_FROM,
  PUBLIC_URL,
  SECRET,
  sendAgain,
  spawnMailerProcess,
  startTestMailer,
  useMailerWorld,
} from "./test-fixtures";

// delivery.send against real Postgres, Redis and an SMTP server on loopback. Deliveries are made
// the way the engine makes them (statement stored, person, plan from the pack's rules, hand-off of
// the first step), with the same repository functions, then handed to the mailer through Redis.

describe("the mailer (delivery.send)", () => {
  const world = useMailerWorld("mailer");
  const { redis, clock } = world;
  const { queues } = redis;

  /** Starts a mailer that works the deliveries queue of `on` and sends through `smtpUrl`. */
  const startMailer = (
    on: TestQueues,
    smtpUrl: string,
    mailerClock: Clock = clock,
  ) =>
    startTestMailer({
      db: world.db,
      pack: world.pack,
      on,
      smtpUrl,
      clock: mailerClock,
    });

  /** A queued delivery of the first follow-up of a completion, as the engine hands it off. */
  const aQueuedDelivery = (
    learner: { name: string; email: string },
    locale = "nl",
  ): Promise<string> =>
    aDeliveryFor(world.db, {
      tenantId: world.tenantId,
      clock,
      learner,
      locale,
    });

  /** Enqueues delivery.send (under its deterministic id unless given another) and waits for the outcome. */
  async function send(
    deliveryId: string,
    jobId = deliveryHandOff(deliveryId).jobId,
    on: Queues = queues,
  ): Promise<{ job: Job; state: string }> {
    if (jobId === deliveryHandOff(deliveryId).jobId)
      await dispatchHandOffs(on, [deliveryHandOff(deliveryId)]);
    else
      await enqueue(
        on,
        "deliveries",
        "delivery.send",
        { deliveryId },
        { jobId },
      );
    return jobSettled(on.deliveries, jobId, { timeoutMs: 15_000 });
  }

  const mailsTo = (address: string): CapturedMail[] =>
    world.sink.messages().filter((mail) => mail.to.includes(address));
  const deliveryRow = (id: string) =>
    world.db.delivery.findUniqueOrThrow({ where: { id } });

  describe.each([
    [
      "nl",
      "Anna, wanneer ga je Feedback geven toepassen?",
      "Feedback geven",
      "Geen e-mails meer ontvangen",
    ],
    [
      "en",
      "Anna, when will you put Giving feedback to work?",
      "Giving feedback",
      "Stop these emails",
    ],
  ])(
    "when the learner's locale is %s",
    (locale, subject, trainingName, unsubscribeText) => {
      const learner = aLearner({ name: "Anna de Vries" });
      let deliveryId: string;
      let mail: CapturedMail;

      beforeAll(async () => {
        deliveryId = await aQueuedDelivery(learner, locale);
        expect((await send(deliveryId)).state).toBe("completed");
        mail = await world.sink.waitFor(
          (m) => m.to.includes(learner.email),
          10_000,
        );
      });

      it("renders the template in that locale, naming the training from the statement's language map", () => {
        expect(mail.subject).toBe(subject);
        expect(mail.html).toContain(`<strong>${trainingName}</strong>`);
        expect(mail.html).toContain(`<html lang="${locale}">`);
        expect(mail.text).toContain(trainingName);
        expect(mail.html).toContain(unsubscribeText);
      });

      it("sends a text part and an HTML part", () => {
        expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/i);
        expect(mail.raw).toMatch(/Content-Type: text\/plain/i);
        expect(mail.raw).toMatch(/Content-Type: text\/html/i);
        expect(mail.text).not.toContain("<");
      });

      it("sends from the configured sender with a stable Message-ID", () => {
        expect(mail.headers["from"]).toBe(MAIL_FROM);
        expect(mail.from).toBe("academie@example.test");
        expect(mail.headers["message-id"]).toBe(
          `<delivery-${deliveryId}@learn.example.test>`,
        );
      });

      it("carries RFC 8058 one-click unsubscribe headers with a signed link for this delivery", () => {
        expect(mail.headers["list-unsubscribe-post"]).toBe(
          "List-Unsubscribe=One-Click",
        );
        const link =
          /^<([^>]+)>$/.exec(mail.headers["list-unsubscribe"] ?? "")?.[1] ?? "";
        expect(link.startsWith(`${PUBLIC_URL}/u/`)).toBe(true);
        const claims = verifyToken(link.slice(`${PUBLIC_URL}/u/`.length), {
          secret: SECRET,
          purpose: "unsubscribe",
          now: clock.now(),
        });
        expect(claims).toMatchObject({ ok: true, value: { sub: deliveryId } });
        expect(mail.html).toContain(link.replace(/&/g, "&amp;"));
      });

      it("records the delivery as sent, with sentAt and the Message-ID", async () => {
        expect(await deliveryRow(deliveryId)).toMatchObject({
          status: "sent",
          sentAt: clock.now(),
          messageId: mail.headers["message-id"],
          attempts: 1,
          lastError: null,
        });
      });
    },
  );

  describe("when the server answers 451 to the first attempt", () => {
    const learner = aLearner();
    let deliveryId: string;

    beforeAll(async () => {
      deliveryId = await aQueuedDelivery(learner);
      world.sink.failRecipient(learner.email, 451, 1);
    });

    it("retries with backoff and sends exactly once", async () => {
      const { state, job } = await send(deliveryId);
      expect(state).toBe("completed");
      expect(job.attemptsMade).toBe(2);
      expect(mailsTo(learner.email)).toHaveLength(1);
      expect(await deliveryRow(deliveryId)).toMatchObject({
        status: "sent",
        attempts: 2,
        lastError: null,
      });
    });
  });

  describe("when the server refuses the recipient with 550", () => {
    const learner = aLearner();
    let deliveryId: string;
    let outcome: { job: Job; state: string };

    beforeAll(async () => {
      deliveryId = await aQueuedDelivery(learner);
      world.sink.failRecipient(learner.email, 550, 1);
      outcome = await send(deliveryId);
    });

    it("sends nothing and does not retry", () => {
      expect(outcome.state).toBe("completed");
      expect(outcome.job.attemptsMade).toBe(1);
      expect(mailsTo(learner.email)).toHaveLength(0);
    });

    it("marks the delivery failed with a readable reason", async () => {
      expect(await deliveryRow(deliveryId)).toMatchObject({
        status: "failed",
        attempts: 1,
        sentAt: null,
        lastError: "refused by the mail server (550); address suppressed",
      });
    });

    it("suppresses the address as bounced", async () => {
      expect(
        await world.db.suppression.findMany({
          where: { tenantId: world.tenantId, address: learner.email },
        }),
      ).toEqual([expect.objectContaining({ reason: "bounced" })]);
    });
  });

  describe("when the server refuses our sender with 550 (our configuration, not the learner's address)", () => {
    // A server of its own: the sink cannot refuse MAIL FROM. The first attempt is refused.
    const sender = testQueues("mailer-sender");
    const learner = aLearner();
    let refusals = 1;
    let accepted = 0;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onMailFrom: (_address, _session, callback) => {
        if (refusals <= 0) {
          callback();
          return;
        }
        refusals -= 1;
        callback(
          Object.assign(new Error("Sender address rejected: not permitted"), {
            responseCode: 550,
          }),
        );
      },
      onData: (stream, _session, callback) => {
        stream.resume();
        stream.on("end", () => {
          accepted += 1;
          callback();
        });
      },
    });
    let senderMailer: MailerHandle | undefined;
    let deliveryId: string;
    let outcome: { job: Job; state: string };

    beforeAll(async () => {
      const port = await listenOnLoopback(server);
      senderMailer = startMailer(sender, `smtp://127.0.0.1:${port}`);
      deliveryId = await aQueuedDelivery(learner);
      outcome = await send(
        deliveryId,
        deliveryHandOff(deliveryId).jobId,
        sender.queues,
      );
    });

    afterAll(async () => {
      await senderMailer?.stop();
      await sender.close();
      await closeServer(server);
    });

    it("does not suppress the learner's address", async () => {
      expect(
        await world.db.suppression.count({
          where: { tenantId: world.tenantId, address: learner.email },
        }),
      ).toBe(0);
    });

    it("retries and sends once the server accepts", async () => {
      expect(outcome.state).toBe("completed");
      expect(outcome.job.attemptsMade).toBe(2);
      expect(accepted).toBe(1);
      expect(await deliveryRow(deliveryId)).toMatchObject({
        status: "sent",
        attempts: 2,
      });
    });
  });

  describe("when a delivery that was sent is sent again", () => {
    const learner = aLearner();
    let deliveryId: string;

    beforeAll(async () => {
      deliveryId = await aQueuedDelivery(learner);
      await send(deliveryId);
      await world.sink.waitFor((m) => m.to.includes(learner.email), 10_000);
    });

    it("sends nothing more when the job is replayed under another id", async () => {
      const before = await deliveryRow(deliveryId);
      expect(before.status).toBe("sent");
      expect((await send(deliveryId, `replay-${randomUUID()}`)).state).toBe(
        "completed",
      );
      expect(mailsTo(learner.email)).toHaveLength(1);
      expect(await deliveryRow(deliveryId)).toEqual(before);
    });
  });

  describe("when the worker process dies after the server accepted the email, before recording it", () => {
    // A real mailer process (services/mailer's bin) sends to a server that, once it has the whole
    // message, kills that process and only then answers 250: SMTP accepted, nothing recorded.
    const crashing = testQueues("mailer-crash");
    const learner = aLearner();
    const killing = aServerThatKills(1);
    let child: ChildProcess | undefined;
    let deliveryId: string;

    beforeAll(async () => {
      const port = await listenOnLoopback(killing.server);
      deliveryId = await aQueuedDelivery(learner);
      child = spawnMailerProcess({
        env: process.env,
        databaseUrl: world.databaseUrl,
        prefix: crashing.prefix,
        smtpUrl: `smtp://127.0.0.1:${port}`,
      });
      const exited = killing.watch(child);
      await dispatchHandOffs(crashing.queues, [deliveryHandOff(deliveryId)]);
      await exited;
    }, 60_000);

    afterAll(async () => {
      if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
      await crashing.close();
      await closeServer(killing.server);
    });

    it("leaves the delivery 'sending', stamped, after one message reached the server", async () => {
      expect(killing.messages()).toBe(1);
      const row = await deliveryRow(deliveryId);
      expect(row).toMatchObject({
        status: "sending",
        attempts: 1,
        sentAt: null,
      });
      expect(row.attemptStartedAt).not.toBeNull();
    });

    it("does not send it again when the job comes back, and records the outcome as unknown", async () => {
      const later = createManualClock(
        new Date(
          (await deliveryRow(deliveryId)).attemptStartedAt?.getTime() ?? 0,
        ),
      );
      later.advance(6 * 60_000); // past the longest SMTP attempt
      const again = startMailer(crashing, world.sink.url, later);
      try {
        expect(
          await sendAgain(crashing.queues, [deliveryId], { timeoutMs: 15_000 }),
        ).toEqual(["completed"]);
      } finally {
        await again.stop();
      }
      expect(killing.messages()).toBe(1);
      expect(mailsTo(learner.email)).toHaveLength(0);
      const row = await deliveryRow(deliveryId);
      expect(row.status).toBe("unknown");
      expect(row.lastError).toMatch(
        /died after handing the email to SMTP; not resent/,
      );
    });
  });

  describe("when other nudges of the same day ride along", () => {
    const learner = aLearner({ name: "Bram Bakker" });
    let deliveryId: string;
    let mail: CapturedMail;

    beforeAll(async () => {
      deliveryId = await aQueuedDelivery(learner, "en");
      const delivery = await world.db.delivery.findUniqueOrThrow({
        where: { id: deliveryId },
        include: { nudge: true },
      });
      const others = await world.db.plannedNudge.findMany({
        where: { planId: delivery.nudge.planId, stepKey: "reflect" },
        orderBy: { dueAt: "asc" },
      });
      expect(others).toHaveLength(1);
      await world.db.plannedNudge.updateMany({
        where: { id: { in: others.map((n) => n.id) } },
        data: { mergedIntoDeliveryId: deliveryId, status: "handed-off" },
      });
      // A manager is known now: learner prompts name them.
      const manager = await ensurePersonForMbox(world.db, {
        tenantId: world.tenantId,
        email: `manager-${randomUUID()}@example.test`,
        name: "Pieter Jansen",
        locale: "nl",
        timeZone: "Europe/Amsterdam",
      });
      await world.db.person.update({
        where: { id: delivery.nudge.recipientPersonId ?? "" },
        data: { managerId: manager.id },
      });
      await send(deliveryId);
      mail = await world.sink.waitFor(
        (m) => m.to.includes(learner.email),
        10_000,
      );
    });

    it("sends one email: its own nudge first, then the merged ones, each with its own action link", async () => {
      expect(mailsTo(learner.email)).toHaveLength(1);
      expect(mail.subject).toBe(
        "Bram, when will you put Giving feedback to work?",
      );
      const own = mail.text.indexOf("Write your if-then plan");
      const merged = mail.text.indexOf("Write your reflection");
      expect(own).toBeGreaterThan(-1);
      expect(merged).toBeGreaterThan(own);
      const actions = [
        ...mail.text.matchAll(
          /\[(https:\/\/learn\.example\.test\/a\/[^\]]+)\]/g,
        ),
      ].map((m) => m[1] ?? "");
      expect(actions).toHaveLength(2);
      const subjects = actions.map((link) => {
        const claims = verifyToken(link.slice(`${PUBLIC_URL}/a/`.length), {
          secret: SECRET,
          purpose: "answer",
          now: clock.now(),
        });
        return claims.ok ? claims.value : undefined;
      });
      const delivery = await deliveryRow(deliveryId);
      expect(subjects[0]).toMatchObject({
        sub: delivery.plannedNudgeId,
        data: { kind: "reflection", levels: "1" },
      });
      expect(subjects[1]?.sub).not.toBe(delivery.plannedNudgeId);
      expect(mail.html).toContain(`<html lang="en">`);
    });
  });

  describe("when the delivery's address is no email address", () => {
    const learner = aLearner();
    let deliveryId: string;
    let outcome: { job: Job; state: string };

    beforeAll(async () => {
      deliveryId = await aQueuedDelivery(learner);
      await world.db.delivery.update({
        where: { id: deliveryId },
        data: { toAddress: "not an address" },
      });
      outcome = await send(deliveryId);
    });

    it("fails the delivery for good, before claiming it, with the reason", async () => {
      expect(outcome.state).toBe("failed");
      expect(outcome.job.attemptsMade).toBe(1);
      const row = await deliveryRow(deliveryId);
      expect(row).toMatchObject({
        status: "failed",
        attempts: 0,
        attemptStartedAt: null,
      });
      expect(row.lastError).toMatch(
        /^the email could not be built: no sender or recipient address/,
      );
    });
  });

  describe("when the tenant has its own sender", () => {
    const learner = aLearner();

    it("sends from the tenant's address", async () => {
      await world.db.tenant.update({
        where: { id: world.tenantId },
        data: { mailFrom: "Leerhuis <leerhuis@example.test>" },
      });
      try {
        const deliveryId = await aQueuedDelivery(learner);
        await send(deliveryId);
        const mail = await world.sink.waitFor(
          (m) => m.to.includes(learner.email),
          10_000,
        );
        expect(mail.headers["from"]).toBe("Leerhuis <leerhuis@example.test>");
      } finally {
        await world.db.tenant.update({
          where: { id: world.tenantId },
          data: { mailFrom: null },
        });
      }
    });
  });
});
