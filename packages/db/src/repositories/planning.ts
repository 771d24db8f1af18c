import type { PlanHistory, PlanPerson, Policy, RuleRef } from "@beklijf/rules";

import type { DbClient } from "../client";
import type { PersonView } from "./people";
import { loadPlanLearners } from "./plans";
import { getTenantPolicy } from "./policy";
import { loadActiveRules } from "./rules";

export interface PlanningContext {
  readonly policy: Policy;
  readonly rules: RuleRef[];
  readonly person: PlanPerson;
  readonly history: PlanHistory;
}

/**
 * What the planner needs besides the statement, read from Postgres: the tenant's policy and
 * current rules, the learner's zone, manager and team lead, and their history. Used by the
 * engine and, read-only, by the simulation.
 */
export async function loadPlanningContext(
  db: DbClient,
  input: {
    tenantId: string;
    person: PersonView;
    now: Date;
    /** The tenant's active rules, when the caller loaded them already. */
    rules?: RuleRef[];
    /** The tenant's policy, when the caller loaded it already. */
    policy?: Policy;
  },
): Promise<PlanningContext> {
  const { tenantId, person, now } = input;
  const [policy, rules, learners] = await Promise.all([
    input.policy ?? getTenantPolicy(db, tenantId),
    input.rules ?? loadActiveRules(db, tenantId),
    loadPlanLearners(db, { tenantId, personIds: [person.id], now }),
  ]);
  if (policy === null) throw new Error(`Tenant ${tenantId} is gone`);
  const learner = learners.get(person.id);
  return {
    policy,
    rules,
    person: {
      timeZone: person.timeZone,
      manager: learner?.manager,
      teamLead: learner?.teamLead,
    },
    history: learner?.history ?? { plans: [], nudges: [], answers: [] },
  };
}
