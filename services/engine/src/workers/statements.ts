import { errorMessage } from "@beklijf/core";
import {
  cancelPlan,
  createPlan,
  type DroppedStep,
  finishStatement,
  getStatementWithLearner,
  listActivePlans,
  listCancelledJobIdsOfTrigger,
  loadPlanningContext,
  parseRuleVersion,
  type PersonView,
  resolveLearner,
} from "@beklijf/db";
import { type Handlers, nudgeJobId, UnrecoverableError } from "@beklijf/queue";
import {
  checkStopConditions,
  matchesTrigger,
  type PlanProposal,
  planStatement,
  type RuleRef,
  type TriggerFacts,
  triggerFactsFromStored,
} from "@beklijf/rules";
import { VERBS } from "@beklijf/xapi";

import type { EngineDeps } from "../deps";
import { enqueueNudges } from "../enqueue-nudge";
import { removeNudgeJobs } from "../remove-jobs";
import type { TenantConfig, TenantConfigCache } from "../tenant-config";

/**
 * statement.process: find the learner, stop the plans this statement ends, match the rules, write
 * the plan rows, then enqueue what falls within the horizon. Replays are harmless: plans and
 * nudges are unique by natural key, and cancelling twice changes nothing. A statement whose verb
 * no rule version of the tenant names (to start or to stop a plan) is marked processed after its
 * learner is linked, without reading plans, history or rules from Postgres.
 */
export function statementHandlers(
  deps: EngineDeps,
  options: { horizonMs: number; config: TenantConfigCache },
): Handlers<"statements"> {
  return {
    "statement.process": async ({ tenantId, statementId }) => {
      // The statement and its learner (when an identity names them) in one round trip.
      const found = await getStatementWithLearner(
        deps.db,
        tenantId,
        statementId,
      );
      if (found === null)
        throw new UnrecoverableError(`Statement ${statementId} is gone`);
      const { statement } = found;
      /** Marks the statement processed, linking it to its learner in the same update. */
      const done = (personId?: string) =>
        finishStatement(deps.db, {
          tenantId,
          id: statementId,
          at: deps.clock.now(),
          ...(personId === undefined || personId === statement.personId
            ? {}
            : { personId }),
        });
      if (statement.voided) {
        // Voided before the engine got to it: nothing to plan (and nothing to cancel yet).
        await done();
        return;
      }
      if (statement.verbId === VERBS.voided) {
        // Storing the voiding statement cancelled the target's plans; clear their pending jobs.
        await removeNudgeJobs(
          deps,
          await listCancelledJobIdsOfTrigger(
            deps.db,
            tenantId,
            statement.objectId,
          ),
        );
        await done();
        return;
      }
      const config = await options.config.get(tenantId);
      if (config === null)
        throw new UnrecoverableError(`Tenant ${tenantId} is gone`);
      const { tenant } = config;
      const raw = statement.raw as { actor?: { name?: unknown } };
      // A first statement from an mbox creates its learner.
      const person =
        found.learner ??
        (await resolveLearner(deps.db, {
          tenantId,
          actorKey: statement.actorKey,
          actorName:
            typeof raw.actor?.name === "string" ? raw.actor.name : undefined,
          locale: tenant.defaultLocale,
          timeZone: tenant.defaultTimeZone,
        }));
      if (person === null) {
        // Known only by account/openid/sha1: the statement waits, visibly, for a directory entry.
        // Importing the person marks it unprocessed again, and it is planned then.
        deps.logger.info(
          { statementId, identityKind: statement.actorKey.split(":")[0] },
          "statement waits for a directory entry of its learner",
        );
        await done();
        return;
      }
      const { start, stop } = config.verbs;
      if (!start.has(statement.verbId) && !stop.has(statement.verbId)) {
        // No rule starts or stops anything on this verb: most statements end here.
        await done(person.id);
        return;
      }

      const facts = triggerFactsFromStored(statement);
      if (stop.has(statement.verbId))
        await stopEndedPlans(deps, tenantId, person.id, facts);
      if (!person.active) {
        deps.logger.info(
          { statementId },
          "learner is inactive: nothing planned",
        );
        await done(person.id);
        return;
      }
      await planFor(deps, {
        config,
        person,
        facts,
        horizonMs: options.horizonMs,
      });
      await done(person.id);
    },
  };
}

/** Cancels the learner's active plans whose stop conditions this statement meets. */
async function stopEndedPlans(
  deps: EngineDeps,
  tenantId: string,
  personId: string,
  facts: TriggerFacts,
): Promise<void> {
  for (const plan of await listActivePlans(deps.db, tenantId, personId)) {
    const rule = parseRuleVersion(
      plan.ruleVersion.id,
      plan.ruleVersion.definition,
    );
    if (rule === undefined) continue;
    const stop = checkStopConditions(
      rule,
      triggerFactsFromStored(plan.trigger),
      {
        kind: "statement",
        facts,
      },
    );
    if (stop === undefined) continue;
    const jobIds = await cancelPlan(deps.db, {
      planId: plan.id,
      reason: stop.message,
      at: deps.clock.now(),
    });
    await removeNudgeJobs(deps, jobIds);
  }
}

async function planFor(
  deps: EngineDeps,
  input: {
    config: TenantConfig;
    person: PersonView;
    facts: TriggerFacts;
    horizonMs: number;
  },
): Promise<void> {
  const { config, person, facts } = input;
  const tenantId = config.tenant.id;
  const now = deps.clock.now();
  const { rules, policy } = config;
  // Most statements start nothing: skip the person's history unless some rule matches.
  if (!rules.some((ref) => matchesTrigger(ref.rule, facts))) return;
  const context = await loadPlanningContext(deps.db, {
    tenantId,
    person,
    now,
    rules,
    policy,
  });
  const { proposals } = planStatement({
    facts,
    learnerId: person.id,
    rules: context.rules,
    person: context.person,
    history: context.history,
    policy: context.policy,
  });
  const horizon = now.getTime() + input.horizonMs;
  for (const proposal of proposals) {
    const ref = context.rules.find(
      (r) => r.ruleVersionId === proposal.ruleVersionId,
    );
    const created = await createPlan(deps.db, {
      tenantId,
      personId: person.id,
      triggerStatementId: facts.statementId,
      proposal,
      startedAt: now,
      jobIdFor: nudgeJobId,
      reasons: stepReasons(proposal),
      dropped: ref === undefined ? [] : droppedSteps(proposal, ref),
    });
    deps.metrics.count("nudges_planned_total", created.length);
    const soon = created.filter((nudge) => nudge.dueAt.getTime() <= horizon);
    try {
      await enqueueNudges(deps, soon);
    } catch (error) {
      // The rows are committed; the reconciler enqueues them once Redis answers again.
      deps.logger.warn(
        { err: errorMessage(error), nudgeIds: soon.map((nudge) => nudge.id) },
        "could not enqueue planned nudges; the reconciler will",
      );
    }
  }
}

/** The planner's moved/merged messages per step: kept on the nudge row for L&D. */
export function stepReasons(proposal: PlanProposal): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const decision of proposal.decisions) {
    if (decision.kind !== "moved" && decision.kind !== "merged") continue;
    const before = reasons.get(decision.stepKey);
    reasons.set(
      decision.stepKey,
      before === undefined
        ? decision.message
        : `${before}; ${decision.message}`,
    );
  }
  return reasons;
}

/** Steps the planner dropped, with their template and reason, to keep as skipped rows. */
export function droppedSteps(
  proposal: PlanProposal,
  ref: RuleRef,
): DroppedStep[] {
  return proposal.decisions.flatMap((decision) => {
    if (decision.kind !== "dropped") return [];
    const step = ref.rule.steps.find((s) => s.key === decision.stepKey);
    if (step === undefined) return [];
    return [
      {
        stepKey: step.key,
        template: step.template,
        recipientKind:
          typeof step.recipient === "string" ? step.recipient : "address",
        reason: decision.message,
      },
    ];
  });
}
