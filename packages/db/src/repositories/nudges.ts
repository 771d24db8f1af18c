import { randomUUID } from "node:crypto";

import { type DbClient, Prisma, type PrismaClient } from "../client";
import type { OutboxEntry } from "./outbox";

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

/**
 * What the re-check of a nudge reads about its plan, learner, recipient and answers: the same for
 * a nudge firing on its own (`FireCheck`) and for one that would ride along in its email
 * (`MergeCandidate`), from the same SQL (`NUDGE_CHECK_COLUMNS`, `NUDGE_CHECK_JOINS`).
 */
export interface NudgeCheck {
  readonly nudge: NudgeForFire;
  /** Is the nudge's address (the recipient's email, or its fixed address) suppressed? */
  readonly suppressed: boolean;
  /** The kinds of answer given through any nudge of the plan ("applied", ...). */
  readonly answerKinds: { kind: string }[];
}

/** What `getFireCheck` reads, all in one round trip. */
export interface FireCheck extends NudgeCheck {
  /** When emails went to the same recipient since `since` (as `listSentAt`), for the caps. */
  readonly sentAt: Date[];
}

/** A row of `NUDGE_CHECK_COLUMNS`. */
interface NudgeCheckRow {
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
}

interface FireRow extends NudgeCheckRow {
  sent_at: (Date | string)[];
}

/**
 * The columns of a nudge's re-check (`NudgeCheckRow`), over `planned_nudges n` and the tables of
 * `NUDGE_CHECK_JOINS`. One copy for `getFireChecks` and `listMergeCandidates`, so a nudge riding
 * along in another's email is checked from exactly what it would be checked from on its own.
 */
const NUDGE_CHECK_COLUMNS = Prisma.sql`
  n.id::text, n.tenant_id::text, n.plan_id::text, n.job_id, n.step_key, n.recipient_kind,
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
  ) AS answer_kinds`;

/** The plan, rule version, trigger, learner and recipient (with preferences) of `n`. */
const NUDGE_CHECK_JOINS = Prisma.sql`
  JOIN plans p ON p.id = n.plan_id
  JOIN rule_versions rv ON rv.id = p.rule_version_id
  JOIN statements s ON s.tenant_id = p.tenant_id AND s.id = p.trigger_statement_id
  JOIN people lp ON lp.id = p.person_id
  LEFT JOIN preferences lpref ON lpref.person_id = p.person_id
  LEFT JOIN people r ON r.id = n.recipient_person_id
  LEFT JOIN preferences rpref ON rpref.person_id = n.recipient_person_id`;

/**
 * The fire-time re-check bundle of one nudge (see `getFireChecks`). Null when the nudge is gone.
 */
export async function getFireCheck(
  db: DbClient,
  input: { id: string; since: Date },
): Promise<FireCheck | null> {
  const checks = await getFireChecks(db, {
    ids: [input.id],
    since: input.since,
  });
  return checks.get(input.id) ?? null;
}

/**
 * The fire-time re-check bundles of several nudges in one query: each nudge with its plan, rule
 * version, trigger, learner and recipient (and their preferences), whether its address is
 * suppressed, the plan's answers and the recipient's emails since `since`. Keyed by nudge id; a
 * nudge that is gone has no entry.
 */
export async function getFireChecks(
  db: DbClient,
  input: { ids: readonly string[]; since: Date },
): Promise<Map<string, FireCheck>> {
  if (input.ids.length === 0) return new Map();
  const rows = await db.$queryRaw<FireRow[]>`
    SELECT ${NUDGE_CHECK_COLUMNS},
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
    ${NUDGE_CHECK_JOINS}
    WHERE n.id = ANY(${[...input.ids]}::uuid[])`;
  return new Map(rows.map((row) => [row.id, toFireCheck(row)]));
}

function toFireCheck(row: FireRow): FireCheck {
  return {
    ...toNudgeCheck(row),
    sentAt: row.sent_at.map((at) => new Date(at)),
  };
}

function toNudgeCheck(row: NudgeCheckRow): NudgeCheck {
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
  };
}

/** Who a nudge goes to: a person, or a fixed address. */
export type NudgeRecipientRef =
  { readonly personId: string } | { readonly address: string };

/**
 * A planned nudge that may ride along in another nudge's email: its re-check bundle, the same as
 * a nudge firing on its own gets (`NudgeCheck`), so the same checks decide whether it may ride.
 * Without the recipient's recent emails: a rider adds no email, so the caps do not apply to it.
 */
export type MergeCandidate = NudgeCheck;

/** Whose merge candidates to list: one firing nudge, its recipient and the end of its day. */
export interface MergeCandidateQuery {
  /** The firing nudge (never its own candidate). */
  readonly nudgeId: string;
  readonly tenantId: string;
  readonly recipient: NudgeRecipientRef;
  /** Candidates are due before this instant (overdue ones included). */
  readonly dueBefore: Date;
}

/**
 * Other planned nudges of each query's recipient due before its `dueBefore` (overdue ones
 * included), by dueAt: candidates to ride in one email. One query for all, each candidate with
 * the same re-check bundle as `getFireChecks` reads for a nudge firing on its own (plan, rule
 * version, trigger, learner, recipient, preferences, suppression, plan answers), so the caller
 * can apply the same checks to it. Keyed by the firing nudge's id; no entry means no candidates.
 */
export async function listMergeCandidates(
  db: DbClient,
  queries: readonly MergeCandidateQuery[],
): Promise<Map<string, MergeCandidate[]>> {
  const out = new Map<string, MergeCandidate[]>();
  if (queries.length === 0) return out;
  const column = <T>(pick: (query: MergeCandidateQuery) => T): T[] =>
    queries.map(pick);
  const rows = await db.$queryRaw<(NudgeCheckRow & { for_id: string })[]>`
    SELECT q.for_id::text, ${NUDGE_CHECK_COLUMNS}
      FROM unnest(${column((q) => q.nudgeId)}::uuid[], ${column((q) => q.tenantId)}::uuid[],
                  ${column((q) => ("personId" in q.recipient ? q.recipient.personId : null))}::uuid[],
                  ${column((q) => ("address" in q.recipient ? q.recipient.address : null))}::text[],
                  ${column((q) => q.dueBefore.toISOString())}::timestamptz[])
           AS q(for_id, tenant_id, person_id, address, due_before)
     CROSS JOIN LATERAL (
           -- Two plain equalities (not one CASE), so the recipient index serves persons.
           SELECT c.* FROM planned_nudges c
            WHERE c.recipient_person_id = q.person_id
              AND c.tenant_id = q.tenant_id AND c.status = 'planned'
              AND c.due_at < q.due_before AND c.id <> q.for_id
           UNION ALL
           SELECT c.* FROM planned_nudges c
            WHERE q.person_id IS NULL AND c.recipient_address = q.address
              AND c.tenant_id = q.tenant_id AND c.status = 'planned'
              AND c.due_at < q.due_before AND c.id <> q.for_id
           ) n
     ${NUDGE_CHECK_JOINS}
     ORDER BY q.for_id, n.due_at`;
  for (const row of rows) {
    const list = out.get(row.for_id) ?? [];
    list.push(toNudgeCheck(row));
    out.set(row.for_id, list);
  }
  return out;
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

/** `skipNudge` for several nudges (each with its own reason) in one statement. */
export async function skipNudges(
  db: DbClient,
  skips: readonly { readonly id: string; readonly reason: string }[],
  at: Date,
): Promise<void> {
  if (skips.length === 0) return;
  await db.$executeRaw`
    UPDATE planned_nudges n SET status = 'skipped', reason = s.reason, fired_at = ${at}
      FROM unnest(${skips.map((x) => x.id)}::uuid[], ${skips.map((x) => x.reason)}::text[])
           AS s(id, reason)
     WHERE n.id = s.id AND n.status = 'planned'`;
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

/** One nudge to hand to the mailer (see `handOffNudges`). */
export interface NudgeHandOff {
  readonly nudgeId: string;
  readonly tenantId: string;
  readonly toAddress: string;
  /**
   * Other nudges of the same recipient and local day, still planned, that ride in the same email:
   * they become handed-off with `mergedIntoDeliveryId` and `reason`. Under a lock per `lockKey`
   * (the recipient), so two nudges firing at once end up in one email, not two.
   */
  readonly merge?: {
    readonly lockKey: string;
    readonly ids: readonly string[];
    readonly reason: string;
  };
}

/** What `handOffNudges` did. */
export interface HandedOff {
  /** The delivery id per nudge that moved; a nudge that had left "planned" has no entry. */
  readonly deliveries: Map<string, string>;
  /** The merged nudges that rode along (those still planned at commit). */
  readonly merged: Set<string>;
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
  input: NudgeHandOff & {
    at: Date;
    handOff: (deliveryId: string) => OutboxEntry;
  },
): Promise<string | null> {
  const done = await handOffNudges(db, {
    nudges: [input],
    at: input.at,
    handOff: input.handOff,
  });
  return done.deliveries.get(input.nudgeId) ?? null;
}

/**
 * `handOffNudge` for several nudges in one transaction of a few statements, whatever their
 * number: status changes, delivery rows, merged nudges and outbox entries each in one statement.
 * All or nothing: when it throws, nothing of it is stored. A nudge that had already left
 * "planned" gets no delivery (and its merge list is ignored); the others still do. The ids of
 * different entries (firing and merged) must not overlap.
 */
export async function handOffNudges(
  db: PrismaClient,
  input: {
    nudges: readonly NudgeHandOff[];
    at: Date;
    /** The outbox entry of a delivery, with the hand-off it is for. */
    handOff: (deliveryId: string, nudge: NudgeHandOff) => OutboxEntry;
  },
): Promise<HandedOff> {
  const deliveries = new Map<string, string>();
  const merged = new Set<string>();
  if (input.nudges.length === 0) return { deliveries, merged };
  const lockKeys = input.nudges.flatMap((nudge) =>
    nudge.merge === undefined ? [] : [`nudge-recipient|${nudge.merge.lockKey}`],
  );
  await db.$transaction(
    async (tx) => {
      if (lockKeys.length > 0)
        // In the order of the lock ids, so two batches sharing recipients cannot deadlock.
        await tx.$queryRaw`
          SELECT count(pg_advisory_xact_lock(h))::int AS locked
            FROM (SELECT DISTINCT hashtextextended(k, 0) AS h
                    FROM unnest(${lockKeys}::text[]) AS k ORDER BY h) l`;
      const moved = new Set(
        (
          await tx.$queryRaw<{ id: string }[]>`
            UPDATE planned_nudges SET status = 'handed-off', fired_at = ${input.at}
             WHERE id = ANY(${input.nudges.map((n) => n.nudgeId)}::uuid[])
               AND status = 'planned'
            RETURNING id::text`
        ).map((row) => row.id),
      );
      const going = input.nudges.filter((nudge) => moved.has(nudge.nudgeId));
      if (going.length === 0) return;
      for (const nudge of going) deliveries.set(nudge.nudgeId, randomUUID());
      const deliveryOf = (nudge: NudgeHandOff): string =>
        deliveries.get(nudge.nudgeId) ?? "";
      await tx.$executeRaw`
        INSERT INTO deliveries (id, tenant_id, planned_nudge_id, to_address)
        SELECT * FROM unnest(${going.map(deliveryOf)}::uuid[],
                             ${going.map((n) => n.tenantId)}::uuid[],
                             ${going.map((n) => n.nudgeId)}::uuid[],
                             ${going.map((n) => n.toAddress)}::text[])`;
      const riders = going.flatMap((nudge) =>
        (nudge.merge?.ids ?? []).map((id) => ({
          id,
          deliveryId: deliveryOf(nudge),
          reason: nudge.merge?.reason ?? "",
        })),
      );
      if (riders.length > 0)
        for (const row of await tx.$queryRaw<{ id: string }[]>`
          UPDATE planned_nudges n
             SET status = 'handed-off', fired_at = ${input.at},
                 merged_into_delivery_id = m.delivery_id, reason = m.reason
            FROM unnest(${riders.map((r) => r.id)}::uuid[],
                        ${riders.map((r) => r.deliveryId)}::uuid[],
                        ${riders.map((r) => r.reason)}::text[]) AS m(id, delivery_id, reason)
           WHERE n.id = m.id AND n.status = 'planned'
          RETURNING n.id::text`)
          merged.add(row.id);
      // As `addOutboxEvents`, but one raw statement: Prisma compiles a createMany anew for every
      // number of rows, which cost more CPU than the insert itself.
      const entries = going.map((n) => input.handOff(deliveryOf(n), n));
      await tx.$executeRaw`
        INSERT INTO outbox_events (tenant_id, queue, job_name, job_id, payload)
        SELECT * FROM unnest(${entries.map((e) => e.tenantId)}::uuid[],
                             ${entries.map((e) => e.queue)}::text[],
                             ${entries.map((e) => e.jobName)}::text[],
                             ${entries.map((e) => e.jobId)}::text[],
                             ${entries.map((e) => JSON.stringify(e.payload))}::jsonb[])`;
    },
    // A batch waits for its recipients' locks behind other batches: give it time.
    { maxWait: 10_000, timeout: 30_000 },
  );
  return { deliveries, merged };
}
