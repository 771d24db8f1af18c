import type { Clock } from "@beklijf/core";
import {
  createPlan,
  ensurePersonForMbox,
  loadActiveRules,
  type NewNudge,
  type PrismaClient,
} from "@beklijf/db";
import { nudgeJobId } from "@beklijf/queue";

import { aCompletedStatement } from "./builders";
import { storeStatement } from "./queues";

type Proposal = Parameters<typeof createPlan>[1]["proposal"];

/** `planNudges` of @beklijf/rules (passed in: this package sits below the rules in the tiers). */
export type Planner = (input: {
  facts: {
    statementId: string;
    verbId: string;
    objectId: string;
    activityType: string | undefined;
    registration: string | undefined;
    timestamp: Date;
  };
  learnerId: string;
  rules: Awaited<ReturnType<typeof loadActiveRules>>;
}) => readonly Proposal[];

/**
 * A course completion five hours before `clock.now()` ("Feedback geven" / "Giving feedback"),
 * planned the way the engine plans it: statement stored, person ensured (Europe/Amsterdam),
 * the tenant's active rules' first match written as a plan with its nudges.
 */
export async function aPlannedCompletion(
  db: PrismaClient,
  input: {
    tenantId: string;
    learner: { name: string; email: string };
    locale: string;
    clock: Clock;
    planNudges: Planner;
  },
): Promise<{ personId: string; objectId: string; nudges: NewNudge[] }> {
  const { tenantId, learner, clock } = input;
  const statement = aCompletedStatement({
    learner,
    courseName: { "nl-NL": "Feedback geven", "en-US": "Giving feedback" },
    timestamp: new Date(clock.now().getTime() - 5 * 3600_000).toISOString(),
  });
  const stored = await storeStatement({ db, tenantId, statement, clock });
  const person = await ensurePersonForMbox(db, {
    tenantId,
    email: learner.email,
    name: learner.name,
    locale: input.locale,
    timeZone: "Europe/Amsterdam",
  });
  const [proposal] = input.planNudges({
    facts: {
      statementId: stored.id,
      verbId: stored.verbId,
      objectId: stored.objectId,
      activityType: stored.activityType,
      registration: stored.registration,
      timestamp: stored.timestamp,
    },
    learnerId: person.id,
    rules: await loadActiveRules(db, tenantId),
  });
  if (proposal === undefined)
    throw new Error("the tenant's rules did not match the completion");
  const nudges = await createPlan(db, {
    tenantId,
    personId: person.id,
    triggerStatementId: stored.id,
    proposal,
    startedAt: clock.now(),
    jobIdFor: nudgeJobId,
  });
  return { personId: person.id, objectId: stored.objectId, nudges };
}
