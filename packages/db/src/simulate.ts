import { type Clock, NotFoundError, ValidationError } from "@beklijf/core";
import {
  DEFAULT_POLICY,
  formatRuleFileError,
  parseRuleSet,
  type PlanPerson,
  planStatement,
  planTimeline,
  type RuleRef,
  type Timeline,
  triggerFactsFromStored,
} from "@beklijf/rules";
import { prepareStatement } from "@beklijf/xapi";

import type { DbClient } from "./client";
import {
  findPersonByRef,
  type PersonView,
  resolveLearnerReadOnly,
} from "./repositories/people";
import { loadPlanningContext } from "./repositories/planning";
import { getTenantPolicy } from "./repositories/policy";
import { loadActiveRules } from "./repositories/rules";

export interface SimulationInput {
  readonly tenantId: string;
  /** An xAPI statement, as an LMS would send it. */
  readonly statement: unknown;
  /** A rule file's JSON to try instead of the tenant's current rules, and its name for errors. */
  readonly rules?:
    { readonly json: unknown; readonly file: string } | undefined;
  /** The learner: an email or external id; default: the statement's actor, if known. */
  readonly person?: string | undefined;
  /** When the statement happens; default: its own timestamp. */
  readonly at?: Date | undefined;
  readonly clock: Clock;
}

export interface Simulation {
  /** Who the plan is for: a known person, or someone new (tenant defaults, no manager). */
  readonly learner: {
    readonly known: boolean;
    readonly id: string;
    readonly email: string | null;
    readonly timeZone: string;
  };
  readonly triggeredAt: Date;
  readonly timeline: Timeline;
}

/**
 * What the engine would plan for a statement, with the tenant's people, policy and history and its
 * current rules (or the given rule file). Reads only: nothing is written, nothing is enqueued.
 */
export async function simulateStatement(
  db: DbClient,
  input: SimulationInput,
): Promise<Simulation> {
  const prepared = prepareStatement(input.statement, { clock: input.clock });
  if (!prepared.ok)
    throw new ValidationError(
      "The statement is not a valid xAPI statement.",
      prepared.error,
      "STATEMENT_INVALID",
    );
  const statement = prepared.value;
  const tenant = await db.tenant.findUnique({ where: { id: input.tenantId } });
  if (tenant === null) throw new NotFoundError(`No tenant ${input.tenantId}`);
  let person: PersonView | null;
  if (input.person === undefined)
    person = await resolveLearnerReadOnly(
      db,
      input.tenantId,
      statement.actorKey,
    );
  else {
    person = await findPersonByRef(db, input.tenantId, input.person);
    if (person === null)
      throw new NotFoundError(
        `No person with external id or email "${input.person}" in this tenant.`,
        "PERSON_NOT_FOUND",
      );
  }
  let rules: RuleRef[];
  if (input.rules === undefined)
    rules = await loadActiveRules(db, input.tenantId);
  else {
    const parsed = parseRuleSet(input.rules.json, input.rules.file);
    if (!parsed.ok)
      throw new ValidationError(
        formatRuleFileError(parsed.error),
        parsed.error.issues,
        "RULE_INVALID",
      );
    rules = parsed.value.rules.map((rule) => ({
      ruleId: rule.key,
      ruleVersionId: `simulation:${rule.key}`,
      rule,
    }));
  }
  const triggeredAt = input.at ?? statement.timestamp;
  const facts = triggerFactsFromStored({
    id: statement.id,
    verbId: statement.verbId,
    objectId: statement.objectId,
    activityType: statement.activityType,
    registration: statement.registration,
    timestamp: triggeredAt,
    raw: statement.statement,
  });
  const learnerId = person?.id ?? "simulated-learner";
  let planPerson: PlanPerson = { timeZone: tenant.defaultTimeZone };
  let context;
  if (person !== null) {
    context = await loadPlanningContext(db, {
      tenantId: input.tenantId,
      person,
      now: triggeredAt,
    });
    planPerson = context.person;
  }
  const policy =
    context?.policy ??
    (await getTenantPolicy(db, input.tenantId)) ??
    DEFAULT_POLICY;
  const plan = planStatement({
    facts,
    learnerId,
    rules,
    person: planPerson,
    history: context?.history,
    policy,
  });
  const recipientIds = [
    ...new Set(
      plan.proposals.flatMap((proposal) =>
        proposal.steps.flatMap((step) =>
          step.recipientPersonId === undefined ? [] : [step.recipientPersonId],
        ),
      ),
    ),
  ].filter((id) => id !== learnerId || person !== null);
  const recipients = new Map<string, string>();
  for (const found of await db.person.findMany({
    where: { tenantId: input.tenantId, id: { in: recipientIds } },
    select: { id: true, name: true, email: true, externalId: true },
  })) {
    const display = personDisplay(found);
    if (display !== undefined) recipients.set(found.id, display);
  }
  // Someone new is not in the directory: name them by the statement's actor.
  if (person === null)
    recipients.set(
      learnerId,
      statement.actorEmail ?? "the statement's actor (not in the directory)",
    );
  return {
    learner: {
      known: person !== null,
      id: learnerId,
      email: person?.email ?? statement.actorEmail ?? null,
      timeZone: person?.timeZone ?? tenant.defaultTimeZone,
    },
    triggeredAt,
    timeline: planTimeline(plan, rules, facts, recipients),
  };
}

/** "Mia de Vries <mia@example.nl>", the name or email alone, or the external id. */
function personDisplay(person: {
  name: string | null;
  email: string | null;
  externalId: string | null;
}): string | undefined {
  if (person.name !== null && person.email !== null)
    return `${person.name} <${person.email}>`;
  return (
    person.name ??
    person.email ??
    (person.externalId === null
      ? undefined
      : `external id ${person.externalId}`)
  );
}
