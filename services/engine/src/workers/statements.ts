import { errorMessage } from "@beklijf/core";
import {
  cancelPlan,
  createPlans,
  type DroppedStep,
  ensurePeopleForMboxes,
  finishStatements,
  listActivePlans,
  listCancelledJobIdsOfTrigger,
  loadPlanLearners,
  parseRuleVersion,
  type PersonView,
  type PlanToCreate,
  takeStatements,
  type UnprocessedStatement,
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

interface Options {
  readonly horizonMs: number;
  readonly config: TenantConfigCache;
}

/**
 * statements.process: a slice of one tenant's statements, in stored order. For each: find (or,
 * for an mbox, create) the learner, stop the plans it ends, match the rules, write the plan rows,
 * then enqueue what falls within the horizon. Replays are harmless: finished statements are
 * skipped, plans and nudges are unique by natural key, and cancelling twice changes nothing.
 *
 * The common cases go in bulk, a few queries for the whole slice: statements no rule starts or
 * stops on are marked processed in one update, and statements that start plans are planned per
 * round (a learner's first such statement in round one, their second in round two, ...), each
 * round with one read of the learners' histories and one write of all their plans. A learner
 * with a statement that may stop plans, and voiding statements, go one by one in stored order.
 */
export function statementHandlers(
  deps: EngineDeps,
  options: Options,
): Handlers<"statements"> {
  return {
    "statements.process": ({ tenantId, statementIds }) =>
      processStatements(deps, options, tenantId, statementIds),
    // Jobs of releases before batching.
    "statement.process": ({ tenantId, statementId }) =>
      processStatements(deps, options, tenantId, [statementId]),
  };
}

/** A statement with the learner it belongs to (null: not known yet). */
interface Resolved {
  readonly statement: UnprocessedStatement;
  readonly person: PersonView | null;
}

async function processStatements(
  deps: EngineDeps,
  options: Options,
  tenantId: string,
  ids: readonly string[],
): Promise<void> {
  const config = await options.config.get(tenantId);
  if (config === null)
    throw new UnrecoverableError(`Tenant ${tenantId} is gone`);
  const { start, stop } = config.verbs;
  // Most statements end here, in the same round trip that reads the others.
  const taken = await takeStatements(deps.db, {
    tenantId,
    ids,
    verbsThatMatter: [...new Set([...start, ...stop])],
  });
  const { statements } = taken;
  let waiting = taken.waiting;
  if (statements.length === 0) {
    logWaiting(deps, tenantId, waiting);
    return;
  }
  const resolved = await resolveLearners(deps, config, statements);

  const finished: { id: string; personId?: string | undefined }[] = [];
  const oneByOne: Resolved[] = [];
  const starts: Resolved[] = [];
  let inactive = 0;
  // Learners with a statement that may stop plans: all their statements of the slice go in order.
  const stopping = new Set(
    resolved.flatMap(({ statement, person }) =>
      person !== null && stop.has(statement.verbId) ? [person.id] : [],
    ),
  );
  for (const item of resolved) {
    const { statement, person } = item;
    // (Statements voided before the engine got to them were finished by takeStatements.)
    if (statement.verbId === VERBS.voided) {
      oneByOne.push(item);
    } else if (person === null) {
      // Known only by account/openid/sha1: the statement waits, visibly, for a directory entry.
      // Importing the person marks it unprocessed again, and it is planned then.
      waiting += 1;
      finished.push({ id: statement.id });
    } else if (!start.has(statement.verbId) && !stop.has(statement.verbId)) {
      // No rule starts or stops anything on this verb: most statements end here.
      finished.push({ id: statement.id, personId: person.id });
    } else if (stopping.has(person.id)) {
      oneByOne.push(item);
    } else if (!person.active) {
      inactive += 1;
      finished.push({ id: statement.id, personId: person.id });
    } else {
      starts.push(item);
    }
  }
  logWaiting(deps, tenantId, waiting);
  if (inactive > 0)
    deps.logger.info(
      { tenantId, count: inactive },
      "statements of inactive learners: nothing planned",
    );

  await finishStatements(deps.db, {
    tenantId,
    statements: finished,
  });
  const planned = starts.flatMap(({ statement, person }) =>
    person === null ? [] : [{ statement, person }],
  );
  await planInRounds(deps, options, config, planned);
  await finishStatements(deps.db, {
    tenantId,
    statements: planned.map(({ statement, person }) => ({
      id: statement.id,
      personId: person.id,
    })),
  });
  // One by one, in stored order; one failure does not keep the others from finishing, and the
  // job's retry takes only what is left.
  let failure: Error | undefined;
  for (const item of oneByOne) {
    try {
      await processOne(deps, options, config, item);
    } catch (error) {
      deps.logger.warn(
        { statementId: item.statement.id, err: errorMessage(error) },
        "statement failed; the job retries what is left",
      );
      failure ??=
        error instanceof Error ? error : new Error(errorMessage(error));
    }
  }
  if (failure !== undefined) throw failure;
}

function logWaiting(deps: EngineDeps, tenantId: string, count: number): void {
  if (count > 0)
    deps.logger.info(
      { tenantId, count },
      "statements wait for a directory entry of their learner",
    );
}

/** Finds the learner of each statement, creating in one statement those named by a new mbox. */
async function resolveLearners(
  deps: EngineDeps,
  config: TenantConfig,
  statements: readonly UnprocessedStatement[],
): Promise<Resolved[]> {
  const emailOf = (statement: UnprocessedStatement): string | undefined =>
    statement.learner === null &&
    statement.verbId !== VERBS.voided &&
    statement.actorKey.startsWith(MBOX_PREFIX)
      ? statement.actorKey.slice(MBOX_PREFIX.length).toLowerCase()
      : undefined;
  const created = await ensurePeopleForMboxes(deps.db, {
    tenantId: config.tenant.id,
    people: statements.flatMap((statement) => {
      const email = emailOf(statement);
      return email === undefined ? [] : [{ email, name: statement.actorName }];
    }),
    locale: config.tenant.defaultLocale,
    timeZone: config.tenant.defaultTimeZone,
  });
  return statements.map((statement) => {
    const email = emailOf(statement);
    return {
      statement,
      person:
        statement.learner ??
        (email === undefined ? null : (created.get(email) ?? null)),
    };
  });
}

const MBOX_PREFIX = "mbox:mailto:";

/** A statement that may stop plans, or a voiding one, on its own. */
async function processOne(
  deps: EngineDeps,
  options: Options,
  config: TenantConfig,
  { statement, person }: Resolved,
): Promise<void> {
  const tenantId = config.tenant.id;
  const finish = () =>
    finishStatements(deps.db, {
      tenantId,
      statements: [{ id: statement.id, personId: person?.id }],
    });
  if (statement.verbId === VERBS.voided) {
    // Storing the voiding statement cancelled the target's plans; clear their pending jobs.
    await removeNudgeJobs(
      deps,
      await listCancelledJobIdsOfTrigger(deps.db, tenantId, statement.objectId),
    );
    await finish();
    return;
  }
  if (person === null) {
    await finish();
    return;
  }
  const facts = factsOf(statement);
  if (config.verbs.stop.has(statement.verbId))
    await stopEndedPlans(deps, tenantId, person.id, facts);
  if (!person.active) {
    deps.logger.info(
      { statementId: statement.id },
      "learner is inactive: nothing planned",
    );
  } else if (config.verbs.start.has(statement.verbId)) {
    await planRound(deps, options, config, [{ statement, person }]);
  }
  await finish();
}

function factsOf(statement: UnprocessedStatement): TriggerFacts {
  return triggerFactsFromStored(statement);
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

/** Plans statements that may start plans: at most one per learner in a round, in order. */
async function planInRounds(
  deps: EngineDeps,
  options: Options,
  config: TenantConfig,
  starts: readonly { statement: UnprocessedStatement; person: PersonView }[],
): Promise<void> {
  const rounds: { statement: UnprocessedStatement; person: PersonView }[][] =
    [];
  const seen = new Map<string, number>();
  for (const item of starts) {
    const round = seen.get(item.person.id) ?? 0;
    seen.set(item.person.id, round + 1);
    (rounds[round] ??= []).push(item);
  }
  for (const round of rounds) await planRound(deps, options, config, round);
}

/**
 * Plans statements of different learners together: one read of their histories, the planner in
 * memory, one write of all plans and nudges, one addBulk of what falls within the horizon.
 */
async function planRound(
  deps: EngineDeps,
  options: Options,
  config: TenantConfig,
  round: readonly { statement: UnprocessedStatement; person: PersonView }[],
): Promise<void> {
  const tenantId = config.tenant.id;
  const { rules, policy } = config;
  const now = deps.clock.now();
  // Most statements start nothing: skip the learners' histories unless some rule matches.
  const matching = round
    .map((item) => ({ ...item, facts: factsOf(item.statement) }))
    .filter(({ facts }) =>
      rules.some((ref) => matchesTrigger(ref.rule, facts)),
    );
  if (matching.length === 0) return;
  const learners = await loadPlanLearners(deps.db, {
    tenantId,
    personIds: matching.map(({ person }) => person.id),
    now,
  });
  const plans: PlanToCreate[] = [];
  for (const { statement, person, facts } of matching) {
    // Gone since the statement was read (erased): nothing to plan.
    const learner = learners.get(person.id);
    if (learner === undefined) continue;
    const { proposals } = planStatement({
      facts,
      learnerId: person.id,
      rules,
      person: {
        timeZone: learner.timeZone,
        manager: learner.manager,
        teamLead: learner.teamLead,
      },
      history: learner.history,
      policy,
    });
    for (const proposal of proposals) {
      const ref = rules.find((r) => r.ruleVersionId === proposal.ruleVersionId);
      plans.push({
        tenantId,
        personId: person.id,
        triggerStatementId: statement.id,
        proposal,
        startedAt: now,
        jobIdFor: nudgeJobId,
        reasons: stepReasons(proposal),
        dropped: ref === undefined ? [] : droppedSteps(proposal, ref),
      });
    }
  }
  const created = await createPlans(deps.db, tenantId, plans);
  deps.metrics.count("nudges_planned_total", created.length);
  const horizon = now.getTime() + options.horizonMs;
  const soon = created.filter((nudge) => nudge.dueAt.getTime() <= horizon);
  try {
    await enqueueNudges(deps, soon);
  } catch (error) {
    // The rows are committed; the reconciler enqueues them once Redis answers again.
    deps.logger.warn(
      { err: errorMessage(error), nudges: soon.length },
      "could not enqueue planned nudges; the reconciler will",
    );
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

/** Steps the planner dropped, with their template and reason, to keep on the plan as skipped. */
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
