import { type DbClient, Prisma, type PrismaClient } from "../client";
import { addOutboxEvents, type OutboxEntry } from "./outbox";

/** A planned nudge with everything the fire-time re-check decides from (never from the job). */
export interface NudgeForFire {
  readonly id: string;
  readonly tenantId: string;
  readonly planId: string;
  readonly jobId: string;
  readonly stepKey: string;
  readonly recipientKind: string;
  readonly recipientPersonId: string | null;
  readonly recipientAddress: string | null;
  readonly template: string;
  readonly dueAt: Date;
  readonly status: string;
  readonly plan: {
    readonly status: string;
    readonly cancelReason: string | null;
    /** The rule version the plan started with. */
    readonly ruleVersion: { readonly id: string; readonly definition: unknown };
    readonly trigger: {
      readonly id: string;
      readonly verbId: string;
      readonly objectId: string;
      readonly activityType: string | null;
      readonly registration: string | null;
      readonly timestamp: Date;
      readonly raw: unknown;
    };
    /** The learner. */
    readonly person: {
      readonly active: boolean;
      readonly managerId: string | null;
      readonly teamLeadId: string | null;
      readonly preference: { readonly stoppedActivities: string[] } | null;
    };
  };
  readonly recipient: {
    readonly email: string | null;
    readonly active: boolean;
    readonly timeZone: string;
    readonly preference: {
      readonly stoppedAll: boolean;
      readonly stoppedActivities: string[];
      readonly pausedUntil: Date | null;
    } | null;
  } | null;
}

/** What `getFireCheck` reads, all in one round trip. */
export interface FireCheck {
  readonly nudge: NudgeForFire;
  /** Is the nudge's address (the recipient's email, or its fixed address) suppressed? */
  readonly suppressed: boolean;
  /** The kinds of answer given through any nudge of the plan ("applied", ...). */
  readonly answerKinds: { kind: string }[];
  /** When emails went to the same recipient since `since` (as `listSentAt`), for the caps. */
  readonly sentAt: Date[];
}

interface FireRow {
  id: string;
  tenant_id: string;
  plan_id: string;
  job_id: string;
  step_key: string;
  recipient_kind: string;
  recipient_person_id: string | null;
  recipient_address: string | null;
  template: string;
  due_at: Date;
  status: string;
  plan_status: string;
  cancel_reason: string | null;
  rule_version_id: string;
  definition: unknown;
  trigger_id: string;
  verb_id: string;
  object_id: string;
  activity_type: string | null;
  registration: string | null;
  trigger_timestamp: Date;
  raw: unknown;
  learner_active: boolean;
  manager_id: string | null;
  team_lead_id: string | null;
  learner_stopped: string[] | null;
  r_id: string | null;
  r_email: string | null;
  r_active: boolean | null;
  r_time_zone: string | null;
  rp_id: string | null;
  rp_stopped_all: boolean | null;
  rp_stopped: string[] | null;
  rp_paused_until: Date | null;
  suppressed: boolean;
  answer_kinds: string[];
  sent_at: (Date | string)[];
}

/**
 * The fire-time re-check bundle in one query: the nudge with its plan, rule version, trigger,
 * learner and recipient (and their preferences), whether its address is suppressed, the plan's
 * answers and the recipient's emails since `since`. Null when the nudge is gone.
 */
export async function getFireCheck(
  db: DbClient,
  input: { id: string; since: Date },
): Promise<FireCheck | null> {
  const rows = await db.$queryRaw<FireRow[]>`
    SELECT n.id::text, n.tenant_id::text, n.plan_id::text, n.job_id, n.step_key, n.recipient_kind,
           n.recipient_person_id::text, n.recipient_address, n.template, n.due_at, n.status,
           p.status AS plan_status, p.cancel_reason, p.rule_version_id::text, rv.definition,
           s.id::text AS trigger_id, s.verb_id, s.object_id, s.activity_type,
           s.registration::text AS registration, s.timestamp AS trigger_timestamp, s.raw,
           lp.active AS learner_active, lp.manager_id::text, lp.team_lead_id::text,
           lpref.stopped_activities AS learner_stopped,
           r.id::text AS r_id, r.email AS r_email, r.active AS r_active, r.time_zone AS r_time_zone,
           rpref.person_id::text AS rp_id, rpref.stopped_all AS rp_stopped_all,
           rpref.stopped_activities AS rp_stopped, rpref.paused_until AS rp_paused_until,
           EXISTS (
             SELECT 1 FROM suppressions x
             WHERE x.tenant_id = n.tenant_id
               AND x.address = lower(CASE WHEN n.recipient_kind = 'address' THEN n.recipient_address ELSE r.email END)
           ) AS suppressed,
           ARRAY(
             SELECT a.kind FROM answers a JOIN planned_nudges an ON an.id = a.planned_nudge_id
             WHERE an.plan_id = n.plan_id
           ) AS answer_kinds,
           ARRAY(
             -- Two plain equalities (not one CASE), so the recipient index serves the first.
             SELECT h.fired_at FROM planned_nudges h
              WHERE h.recipient_person_id = n.recipient_person_id
                AND h.tenant_id = n.tenant_id AND h.status = 'handed-off'
                AND h.merged_into_delivery_id IS NULL AND h.fired_at >= ${input.since}
             UNION ALL
             SELECT h.fired_at FROM planned_nudges h
              WHERE n.recipient_person_id IS NULL
                AND h.recipient_address = n.recipient_address
                AND h.tenant_id = n.tenant_id AND h.status = 'handed-off'
                AND h.merged_into_delivery_id IS NULL AND h.fired_at >= ${input.since}
           ) AS sent_at
    FROM planned_nudges n
    JOIN plans p ON p.id = n.plan_id
    JOIN rule_versions rv ON rv.id = p.rule_version_id
    JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
    JOIN people lp ON lp.id = p.person_id
    LEFT JOIN preferences lpref ON lpref.person_id = p.person_id
    LEFT JOIN people r ON r.id = n.recipient_person_id
    LEFT JOIN preferences rpref ON rpref.person_id = n.recipient_person_id
    WHERE n.id = ${input.id}::uuid`;
  const row = rows[0];
  if (row === undefined) return null;
  const nudge: NudgeForFire = {
    id: row.id,
    tenantId: row.tenant_id,
    planId: row.plan_id,
    jobId: row.job_id,
    stepKey: row.step_key,
    recipientKind: row.recipient_kind,
    recipientPersonId: row.recipient_person_id,
    recipientAddress: row.recipient_address,
    template: row.template,
    dueAt: new Date(row.due_at),
    status: row.status,
    plan: {
      status: row.plan_status,
      cancelReason: row.cancel_reason,
      ruleVersion: { id: row.rule_version_id, definition: row.definition },
      trigger: {
        id: row.trigger_id,
        verbId: row.verb_id,
        objectId: row.object_id,
        activityType: row.activity_type,
        registration: row.registration,
        timestamp: new Date(row.trigger_timestamp),
        raw: row.raw,
      },
      person: {
        active: row.learner_active,
        managerId: row.manager_id,
        teamLeadId: row.team_lead_id,
        preference:
          row.learner_stopped === null
            ? null
            : { stoppedActivities: row.learner_stopped },
      },
    },
    recipient:
      row.r_id === null
        ? null
        : {
            email: row.r_email,
            active: row.r_active === true,
            timeZone: row.r_time_zone ?? "",
            preference:
              row.rp_id === null
                ? null
                : {
                    stoppedAll: row.rp_stopped_all === true,
                    stoppedActivities: row.rp_stopped ?? [],
                    pausedUntil:
                      row.rp_paused_until === null
                        ? null
                        : new Date(row.rp_paused_until),
                  },
          },
  };
  return {
    nudge,
    suppressed: row.suppressed,
    answerKinds: row.answer_kinds.map((kind) => ({ kind })),
    sentAt: row.sent_at.map((at) => new Date(at)),
  };
}

/** The kinds of answer given through any nudge of the plan ("applied", "reflection", ...). */
export async function listPlanAnswerKinds(
  db: DbClient,
  planId: string,
): Promise<{ kind: string }[]> {
  return db.answer.findMany({
    where: { nudge: { planId } },
    select: { kind: true },
  });
}

/** Who a nudge goes to: a person, or a fixed address. */
export type NudgeRecipientRef =
  { readonly personId: string } | { readonly address: string };

/** A planned nudge that may ride along in another nudge's email. */
export interface MergeCandidate {
  readonly id: string;
  readonly jobId: string;
  readonly planId: string;
  readonly stepKey: string;
  readonly dueAt: Date;
  readonly plan: {
    readonly status: string;
    readonly ruleVersion: { readonly id: string; readonly definition: unknown };
  };
}

/**
 * Other planned nudges of the recipient due in [from, to), by dueAt: candidates to ride in one
 * email. One query, with each one's plan status and rule version.
 */
export async function listMergeCandidates(
  db: DbClient,
  input: {
    tenantId: string;
    recipient: NudgeRecipientRef;
    from: Date;
    to: Date;
    excludeId: string;
  },
): Promise<MergeCandidate[]> {
  // A plain equality per kind of recipient, so the recipient index serves persons.
  const recipient =
    "personId" in input.recipient
      ? Prisma.sql`n.recipient_person_id = ${input.recipient.personId}::uuid`
      : Prisma.sql`n.recipient_address = ${input.recipient.address}`;
  const rows = await db.$queryRaw<
    {
      id: string;
      job_id: string;
      plan_id: string;
      step_key: string;
      due_at: Date;
      plan_status: string;
      rule_version_id: string;
      definition: unknown;
    }[]
  >`
    SELECT n.id::text, n.job_id, n.plan_id::text, n.step_key, n.due_at,
           p.status AS plan_status, p.rule_version_id::text, rv.definition
      FROM planned_nudges n
      JOIN plans p ON p.id = n.plan_id
      JOIN rule_versions rv ON rv.id = p.rule_version_id
     WHERE n.tenant_id = ${input.tenantId}::uuid
       AND ${recipient}
       AND n.status = 'planned'
       AND n.due_at >= ${input.from} AND n.due_at < ${input.to}
       AND n.id <> ${input.excludeId}::uuid
     ORDER BY n.due_at`;
  return rows.map((row) => ({
    id: row.id,
    jobId: row.job_id,
    planId: row.plan_id,
    stepKey: row.step_key,
    dueAt: new Date(row.due_at),
    plan: {
      status: row.plan_status,
      ruleVersion: { id: row.rule_version_id, definition: row.definition },
    },
  }));
}

/** Records that a nudge will not be sent, and why. Only a still-planned nudge changes. */
export async function skipNudge(
  db: DbClient,
  id: string,
  reason: string,
  at: Date,
): Promise<void> {
  await db.plannedNudge.updateMany({
    where: { id, status: "planned" },
    data: { status: "skipped", reason, firedAt: at },
  });
}

/**
 * Moves a still-planned nudge to a later `dueAt` (a cap or the send window at fire time), keeping
 * why in `reason`. Returns false when it had already left "planned".
 */
export async function moveNudge(
  db: DbClient,
  id: string,
  dueAt: Date,
  reason: string,
): Promise<boolean> {
  const moved = await db.plannedNudge.updateMany({
    where: { id, status: "planned" },
    data: { dueAt, reason },
  });
  return moved.count > 0;
}

/**
 * Hands a nudge to the mailer: the delivery row (at most one per nudge) and its outbox entry
 * commit together with the status change. Returns the delivery id, or null when the nudge had
 * already left "planned" (a replayed job, or it rode along in another nudge's email).
 *
 * With `merge`, the listed nudges (same recipient, same local day) that are still planned ride in
 * the same email: they become handed-off with `mergedIntoDeliveryId` and `merge.reason`. A lock
 * per recipient makes two nudges firing at once end up in one email, not two.
 */
export async function handOffNudge(
  db: PrismaClient,
  input: {
    nudgeId: string;
    tenantId: string;
    toAddress: string;
    at: Date;
    handOff: (deliveryId: string) => OutboxEntry;
    merge?: {
      readonly lockKey: string;
      readonly ids: readonly string[];
      readonly reason: string;
    };
  },
): Promise<string | null> {
  return db.$transaction(async (tx) => {
    if (input.merge !== undefined)
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`nudge-recipient|${input.merge.lockKey}`}, 0))`;
    const moved = await tx.plannedNudge.updateMany({
      where: { id: input.nudgeId, status: "planned" },
      data: { status: "handed-off", firedAt: input.at },
    });
    if (moved.count === 0) return null;
    const delivery = await tx.delivery.create({
      data: {
        tenantId: input.tenantId,
        plannedNudgeId: input.nudgeId,
        toAddress: input.toAddress,
      },
    });
    if (input.merge !== undefined && input.merge.ids.length > 0)
      await tx.plannedNudge.updateMany({
        where: { id: { in: [...input.merge.ids] }, status: "planned" },
        data: {
          status: "handed-off",
          firedAt: input.at,
          mergedIntoDeliveryId: delivery.id,
          reason: input.merge.reason,
        },
      });
    await addOutboxEvents(tx, [input.handOff(delivery.id)]);
    return delivery.id;
  });
}
