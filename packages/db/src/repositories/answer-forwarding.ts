import type { DbClient, Prisma } from "../client";
import type { ConnectionView } from "./connections";

/** An answer with what its xAPI statement is built from, and the LRS it goes to. */
export interface AnswerForForward {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: string;
  readonly value: Prisma.JsonValue;
  readonly createdAt: Date;
  readonly forwardedAt: Date | null;
  readonly person: {
    readonly email: string | null;
    readonly name: string | null;
  };
  /** Whether the person answering is the plan's learner (else their manager or team lead). */
  readonly byLearner: boolean;
  /** The step of the nudge it answers, e.g. "reflect". */
  readonly stepKey: string | null;
  /** The statement that started the plan (its actor and object are reused). */
  readonly trigger: {
    readonly id: string;
    readonly raw: Prisma.JsonValue;
  } | null;
  /** The connection the trigger came from: its LRS receives the answer. */
  readonly connection: ConnectionView | null;
}

/** The answer with its person, nudge, plan, trigger statement and connection; null when gone. */
export async function getAnswerForForward(
  db: DbClient,
  answerId: string,
): Promise<AnswerForForward | null> {
  const answer = await db.answer.findUnique({
    where: { id: answerId },
    include: {
      person: { select: { email: true, name: true } },
      nudge: {
        select: {
          stepKey: true,
          plan: {
            select: {
              personId: true,
              trigger: {
                select: { id: true, raw: true, connection: true },
              },
            },
          },
        },
      },
    },
  });
  if (answer === null) return null;
  const plan = answer.nudge?.plan;
  return {
    id: answer.id,
    tenantId: answer.tenantId,
    kind: answer.kind,
    value: answer.value,
    createdAt: answer.createdAt,
    forwardedAt: answer.forwardedAt,
    person: answer.person,
    byLearner: plan === undefined || plan.personId === answer.personId,
    stepKey: answer.nudge?.stepKey ?? null,
    trigger:
      plan === undefined
        ? null
        : { id: plan.trigger.id, raw: plan.trigger.raw },
    connection: plan?.trigger.connection ?? null,
  };
}

/** The answer reached the LRS as statement `statementId`. */
export async function markAnswerForwarded(
  db: DbClient,
  answerId: string,
  at: Date,
  statementId: string,
): Promise<void> {
  await db.answer.update({
    where: { id: answerId },
    data: {
      forwardedAt: at,
      forwardedStatementId: statementId,
      forwardError: null,
    },
  });
}

/** A forwarding attempt failed; kept for the admin until an attempt succeeds. */
export async function recordAnswerForwardError(
  db: DbClient,
  answerId: string,
  error: string,
): Promise<void> {
  await db.answer.updateMany({
    where: { id: answerId },
    data: { forwardError: error.slice(0, 2_000) },
  });
}
