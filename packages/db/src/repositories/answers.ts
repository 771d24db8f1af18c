import {
  checkStepCondition,
  checkStopConditions,
  Rule,
  triggerFactsFromStored,
} from "@beklijf/rules";

import type { DbClient, PrismaClient } from "../client";
import { answerForwardingEnabled } from "./connections";
import { addOutboxEvents, type OutboxEntry } from "./outbox";

/** What someone answered through a link (the shared answer contract). */
export type AnswerInput =
  | {
      readonly kind: "reflection";
      readonly value: { readonly level: number; readonly text: string };
    }
  | {
      readonly kind: "applied";
      readonly value: {
        readonly status: "applied" | "partly" | "not-yet";
        readonly story?: string;
      };
    }
  | {
      readonly kind: "manager-confirmed";
      readonly value: Record<string, never>;
    }
  | {
      readonly kind: "manager-discussed";
      readonly value: Record<string, never>;
    };

export interface RecordedAnswer {
  readonly answerId: string;
  /** False when this nudge already had an answer of this kind, which now holds the new value. */
  readonly created: boolean;
  /** Nudges of the plan that will not be sent because of this answer. */
  readonly cancelledNudgeIds: readonly string[];
  /** Their pending jobs' ids, for the caller to remove from Redis (best effort) after commit. */
  readonly cancelledJobIds: readonly string[];
  /** Set when the answer ended the whole plan (its rule stops on it). */
  readonly planStopped?: string;
}

/**
 * Stores an answer given through a nudge's link, in one transaction:
 * - one answer per nudge and kind: a second submit replaces the value (the person corrects it;
 *   the nudge row is locked, so two submits at once are serialised);
 * - "applied" with status "applied" ends the plan when its rule version stops on the answer
 *   "applied", and otherwise cancels the plan's still-planned nudges whose step only runs while
 *   "applied" was not answered ("partly" and "not-yet" change nothing);
 * - the `answer.forward` hand-off when the answer's connection forwards answers to an LRS.
 * The answer is stored under the plan's learner: it is about their training, also when their
 * manager gave it. Returns null when the nudge does not exist.
 */
export async function recordAnswer(
  db: PrismaClient,
  input: {
    readonly nudgeId: string;
    readonly answer: AnswerInput;
    readonly at: Date;
    /** The outbox entry that forwards an answer (queue lrs, job answer.forward). */
    readonly forwardHandOff: (answerId: string) => OutboxEntry;
  },
): Promise<RecordedAnswer | null> {
  return db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id::text AS id FROM planned_nudges WHERE id = ${input.nudgeId}::uuid FOR UPDATE`;
    if (locked.length === 0) return null;
    const nudge = await tx.plannedNudge.findUniqueOrThrow({
      where: { id: input.nudgeId },
      include: {
        plan: { include: { ruleVersion: true, trigger: true } },
      },
    });
    const existing = await tx.answer.findFirst({
      where: { plannedNudgeId: nudge.id, kind: input.answer.kind },
      select: { id: true },
    });
    const answer =
      existing === null
        ? await tx.answer.create({
            data: {
              tenantId: nudge.tenantId,
              personId: nudge.plan.personId,
              plannedNudgeId: nudge.id,
              kind: input.answer.kind,
              value: input.answer.value,
              createdAt: input.at,
            },
            select: { id: true },
          })
        : await tx.answer.update({
            where: { id: existing.id },
            data: { value: input.answer.value },
            select: { id: true },
          });

    let cancelled: Cancelled = { ids: [], jobIds: [] };
    if (
      input.answer.kind === "applied" &&
      input.answer.value.status === "applied"
    )
      cancelled = await cancelForAnswer(tx, nudge.plan, "applied", input.at);

    // Forwarded once, when first given: the LRS statement's id derives from the answer's id, so a
    // changed answer sent again would be a conflicting statement there.
    if (
      existing === null &&
      (await answerForwardingEnabled(tx, nudge.tenantId, nudge.id))
    )
      await addOutboxEvents(tx, [input.forwardHandOff(answer.id)]);

    return {
      answerId: answer.id,
      created: existing === null,
      cancelledNudgeIds: cancelled.ids,
      cancelledJobIds: cancelled.jobIds,
      ...(cancelled.planStopped === undefined
        ? {}
        : { planStopped: cancelled.planStopped }),
    };
  });
}

type PlanForAnswer = {
  id: string;
  status: string;
  ruleVersion: { definition: unknown };
  trigger: Parameters<typeof triggerFactsFromStored>[0];
};

/** The nudges an answer cancelled, with their job ids. */
interface Cancelled {
  ids: string[];
  jobIds: string[];
  planStopped?: string;
}

/** Cancels what an answer makes pointless, by the plan's own rule version. */
async function cancelForAnswer(
  tx: DbClient,
  plan: PlanForAnswer,
  answerKind: string,
  at: Date,
): Promise<Cancelled> {
  if (plan.status !== "active") return { ids: [], jobIds: [] };
  const rule = Rule.safeParse(plan.ruleVersion.definition);
  if (!rule.success)
    throw new Error(`Plan ${plan.id}: its rule version does not parse`, {
      cause: rule.error,
    });
  const pending = await tx.plannedNudge.findMany({
    where: { planId: plan.id, status: "planned" },
    select: { id: true, stepKey: true, jobId: true },
  });
  const stop = checkStopConditions(
    rule.data,
    triggerFactsFromStored(plan.trigger),
    { kind: "answer", answerKind },
  );
  if (stop !== undefined) {
    await tx.plan.update({
      where: { id: plan.id },
      data: { status: "cancelled", cancelReason: stop.message, endedAt: at },
    });
    await tx.plannedNudge.updateMany({
      where: { id: { in: pending.map((n) => n.id) }, status: "planned" },
      data: { status: "cancelled", reason: stop.message },
    });
    return {
      ids: pending.map((n) => n.id),
      jobIds: pending.map((n) => n.jobId),
      planStopped: stop.message,
    };
  }
  const byStep = new Map(rule.data.steps.map((step) => [step.key, step]));
  const reasons = new Map<string, typeof pending>();
  for (const nudge of pending) {
    const check = checkStepCondition(byStep.get(nudge.stepKey)?.condition, [
      { kind: answerKind },
    ]);
    if (!check.send)
      reasons.set(check.reason, [...(reasons.get(check.reason) ?? []), nudge]);
  }
  for (const [reason, nudges] of reasons)
    await tx.plannedNudge.updateMany({
      where: { id: { in: nudges.map((n) => n.id) }, status: "planned" },
      data: { status: "cancelled", reason },
    });
  const cancelled = [...reasons.values()].flat();
  return {
    ids: cancelled.map((n) => n.id),
    jobIds: cancelled.map((n) => n.jobId),
  };
}

/** The answers given through one nudge's links (for the page that shows them). */
export async function listAnswersOfNudge(db: DbClient, nudgeId: string) {
  return db.answer.findMany({
    where: { plannedNudgeId: nudgeId },
    select: { id: true, kind: true, value: true, createdAt: true },
  });
}

/** A nudge with what the pages behind its links show: recipient, learner, training, preference. */
export async function getNudgeForLink(db: DbClient, id: string) {
  return db.plannedNudge.findUnique({
    where: { id },
    include: {
      recipient: { include: { preference: true } },
      plan: { include: { person: true, trigger: true } },
    },
  });
}

export type NudgeForLink = NonNullable<
  Awaited<ReturnType<typeof getNudgeForLink>>
>;
