import path from "node:path";

import {
  checkTemplateEdit,
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "@beklijf/content";
import { createManualClock, noMetrics } from "@beklijf/core";
import {
  handOffNudge,
  type PrismaClient,
  saveTemplateVersion,
  type TemplateParts,
} from "@beklijf/db";
import { deliveryHandOff, dispatchHandOffs } from "@beklijf/queue";
import { planNudges } from "@beklijf/rules";
import {
  aLearner,
  aPlannedCompletion,
  aTenantWithRules,
  jobSettled,
  type SmtpSink,
  startSmtpSink,
  testDb,
  testLogger,
  testQueues,
} from "@beklijf/testing";

import { type MailerHandle, start } from "./start";
import { createSmtpTransport } from "./transport";

// A tenant's saved template versions in the emails the mailer sends: real Postgres, Redis and an
// SMTP sink on loopback. The mailer runs with templatesMaxAgeMs 0 here (it looks at the saved
// versions before every email), so "the next email" is exact; the default looks once a second.

describe("the mailer with a tenant's saved templates", () => {
  const redis = testQueues("mailer-templates");
  const clock = createManualClock(new Date("2030-04-01T13:00:00Z"));
  let db: PrismaClient;
  let pack: ContentPack;
  let sink: SmtpSink;
  let mailer: MailerHandle;
  let tenantId: string;
  let template: string;

  /** Plans a completion for a new learner, hands off its first step and waits for the email. */
  async function nextEmail(locale: string) {
    const learner = aLearner({ name: "Anna de Vries" });
    const { nudges } = await aPlannedCompletion(db, {
      tenantId,
      learner,
      locale,
      clock,
      planNudges,
    });
    const first = [...nudges].sort(
      (a, b) => a.dueAt.getTime() - b.dueAt.getTime(),
    )[0];
    if (first === undefined) throw new Error("nothing was planned");
    ({ template } = await db.plannedNudge.findUniqueOrThrow({
      where: { id: first.id },
    }));
    const deliveryId = await handOffNudge(db, {
      nudgeId: first.id,
      tenantId,
      toAddress: learner.email,
      at: clock.now(),
      handOff: (id) => ({ tenantId, ...deliveryHandOff(id) }),
    });
    if (deliveryId === null) throw new Error("handed off before");
    await dispatchHandOffs(redis.queues, [deliveryHandOff(deliveryId)]);
    const { jobId } = deliveryHandOff(deliveryId);
    const settled = await jobSettled(redis.queues.deliveries, jobId, {
      timeoutMs: 15_000,
    });
    expect(settled.state).toBe("completed");
    return sink.waitFor((m) => m.to.includes(learner.email), 10_000);
  }

  const save = async (parts: TemplateParts | null, revertOf?: number) => {
    if (parts !== null) {
      const checked = checkTemplateEdit(pack, {
        template,
        locale: "nl",
        parts,
      });
      expect(checked.ok).toBe(true);
    }
    return saveTemplateVersion(db, {
      tenantId,
      template,
      locale: "nl",
      parts,
      ...(revertOf === undefined ? {} : { revertOf }),
      savedBy: "editor@example.com",
      at: clock.now(),
    });
  };

  beforeAll(async () => {
    db = testDb();
    sink = await startSmtpSink();
    pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
    tenantId = await aTenantWithRules(db, "mailer-templates", pack.rules, {
      key: pack.name,
      name: pack.title,
    });
    mailer = start({
      db,
      connection: redis.connection,
      prefix: redis.prefix,
      transport: createSmtpTransport(sink.url),
      pack,
      clock,
      logger: testLogger,
      metrics: noMetrics,
      publicUrl: "https://learn.example.test",
      secret: "mailer-templates-secret-0123456789abcdef",
      mailFrom: "Academie <academie@example.test>",
      linkTtlDays: 30,
      templatesMaxAgeMs: 0,
    });
  });

  afterAll(async () => {
    await mailer.stop();
    await redis.close();
    await sink.close();
    await db.$disconnect();
  });

  it("sends the saved version from the next email on, only in its locale, and the pack's text again after a revert", async () => {
    const before = await nextEmail("nl");
    const packSubject = before.subject;

    expect(
      await save({
        subject: "Eigen tekst over {{training.name}}",
        html: '<p>Beste {{recipient.givenName}}, dit is onze eigen tekst.</p>\n{{> button href=links.action label="Aan de slag"}}',
      }),
    ).toBe(1);
    const edited = await nextEmail("nl");
    expect(edited.subject).toBe("Eigen tekst over Feedback geven");
    expect(edited.html).toContain("Beste Anna, dit is onze eigen tekst.");
    // The layout's CSS is inlined into the edited body as into the pack's.
    expect(edited.html).toMatch(/<a class="button"[^>]* style="/);
    expect(edited.text).toContain("Aan de slag [https://learn.example.test/a/");
    expect(edited.text).toContain("https://learn.example.test/u/");

    const english = await nextEmail("en");
    expect(english.subject).not.toContain("Eigen tekst");

    expect(await save(null, 0)).toBe(2);
    const reverted = await nextEmail("nl");
    expect(reverted.subject).toBe(packSubject);
  }, 60_000);
});
