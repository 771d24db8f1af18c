import type { TriggerFacts } from "./match-trigger";
import { planStatement } from "./plan-nudges";
import type {
  PlannedStep,
  PlanPerson,
  PriorAnswer,
  PriorNudge,
  RecipientKind,
  RuleRef,
} from "./plan-proposal";
import type { Policy } from "./policy";
import type { Rule, RuleStep } from "./rule";

// Moving a running plan to a newer version of its rule (DESIGN: plans keep the version they
// started with unless L&D chooses to migrate them). Pure: the db repository loads the plan,
// calls this, and writes what it says in one transaction.

/** One of the plan's nudge rows as stored. */
export interface MigratingNudge {
  readonly id: string;
  readonly stepKey: string;
  /** "planned", "handed-off", "cancelled" or "skipped". */
  readonly status: string;
  /** When it is due; for a handed-off nudge, when it was sent. */
  readonly dueAt: Date;
  /**
   * Person id, or `address:<address>`; undefined when the row is no email of its own (skipped,
   * or merged into another nudge's email), so it does not count for the caps.
   */
  readonly recipientId: string | undefined;
  readonly template: string;
}

export interface PlanMigrationInput {
  readonly facts: TriggerFacts;
  readonly learnerId: string;
  /** The plan's entry key (kept: the plan stays the same plan). */
  readonly entryKey: string;
  /** The version the plan runs on now. */
  readonly from: Rule;
  /** The version to move it to, and its number (part of the new nudges' natural keys). */
  readonly to: RuleRef;
  readonly toVersion: number;
  /** Every nudge row of the plan, whatever its status. */
  readonly nudges: readonly MigratingNudge[];
  readonly person: PlanPerson;
  /** Planned and recently sent nudges of the recipients from OTHER plans (caps and merging). */
  readonly otherNudges: readonly PriorNudge[];
  readonly answers: readonly PriorAnswer[];
  readonly policy: Policy;
  /** Steps whose time under the new version is not after this are not (re)planned. */
  readonly now: Date;
}

/** What migrating does to one step of the plan. */
export type StepChange =
  /** The pending nudge stays as it is (same step in both versions, or its new time has passed). */
  | {
      readonly kind: "kept";
      readonly stepKey: string;
      readonly nudgeId: string;
      readonly note?: string;
    }
  /** The pending nudge is cancelled: the new version has no such step, or drops it. */
  | {
      readonly kind: "cancelled";
      readonly stepKey: string;
      readonly nudgeId: string;
      readonly reason: string;
    }
  /** The pending nudge is replaced by one planned under the new version (time or content changed). */
  | {
      readonly kind: "moved";
      readonly stepKey: string;
      readonly nudgeId: string;
      readonly planned: PlannedStep;
      readonly naturalKey: string;
      readonly reason: string;
    }
  /** A step the new version adds, planned because its time is still to come. */
  | {
      readonly kind: "added";
      readonly stepKey: string;
      readonly planned: PlannedStep;
      readonly naturalKey: string;
      readonly reason: string;
    }
  /** A step the new version adds but that is not planned (its time passed, or dropped): a skipped row. */
  | {
      readonly kind: "skipped";
      readonly stepKey: string;
      readonly template: string;
      readonly recipientKind: RecipientKind;
      readonly naturalKey: string;
      readonly reason: string;
    };

export type StepChangeKind = StepChange["kind"];

/** The parts of a step that decide what is sent and when (not its key or its "why"). */
function sendingPartsOf(step: RuleStep): string {
  return JSON.stringify([
    step.offset,
    step.at ?? null,
    step.recipient,
    step.template,
    step.condition?.notAnswered ?? null,
    step.batch ?? null,
  ]);
}

function recipientKindOf(step: RuleStep): RecipientKind {
  return typeof step.recipient === "string" ? step.recipient : "address";
}

/** The natural key of a nudge planned by a migration: distinct per target version. */
export function migratedNaturalKey(
  entryKey: string,
  stepKey: string,
  toVersion: number,
): string {
  return `${entryKey}|${stepKey}|v${toVersion}`;
}

/**
 * What moving one plan to the new version changes, step by step. The policy, also in
 * docs/architecture.md ("Migrating running plans"):
 * - nudges already sent, cancelled or skipped are history and stay as they are; a step with such
 *   a row is never planned again;
 * - a pending nudge whose step the new version no longer has is cancelled;
 * - a pending nudge whose step is the same in both versions (offset, at, recipient, template,
 *   condition, batch; the "why" may differ) is kept;
 * - a pending nudge whose step changed is re-planned under the new version when the new time is
 *   still to come (the old row is cancelled, a new one planned); when it has passed, it keeps
 *   its planned time, so nothing pending is lost;
 * - a step the new version adds is planned when its time is still to come, otherwise recorded
 *   as skipped.
 * New times go through the planner: send window, caps and merging as for a new plan, counting
 * the plan's kept and sent nudges and the recipients' other nudges.
 */
export function planMigration(input: PlanMigrationInput): StepChange[] {
  const { from, to, toVersion, entryKey, now } = input;
  const label = `version ${toVersion} of ${to.rule.key}`;
  const pending = new Map<string, MigratingNudge>();
  const done = new Set<string>();
  for (const nudge of input.nudges)
    if (nudge.status === "planned") pending.set(nudge.stepKey, nudge);
    else done.add(nudge.stepKey);
  const oldSteps = new Map(from.steps.map((step) => [step.key, step]));
  const newKeys = new Set(to.rule.steps.map((step) => step.key));

  const changes: StepChange[] = [];
  // Steps the new version may (re)plan: changed pending ones, and new ones without any row.
  const candidates: RuleStep[] = [];
  for (const [stepKey, nudge] of pending) {
    if (!newKeys.has(stepKey))
      changes.push({
        kind: "cancelled",
        stepKey,
        nudgeId: nudge.id,
        reason: `cancelled: ${label} has no step "${stepKey}"`,
      });
  }
  for (const step of to.rule.steps) {
    const nudge = pending.get(step.key);
    if (nudge === undefined) {
      if (!done.has(step.key)) candidates.push(step);
      continue;
    }
    const old = oldSteps.get(step.key);
    if (old !== undefined && sendingPartsOf(old) === sendingPartsOf(step))
      changes.push({ kind: "kept", stepKey: step.key, nudgeId: nudge.id });
    else candidates.push(step);
  }
  if (candidates.length === 0) return changes;

  // Pass 1: where the new version puts each candidate (to tell the future from the past).
  const first = plan(input, candidates, new Set());
  const future = new Set<string>();
  for (const step of candidates) {
    const nudge = pending.get(step.key);
    const naturalKey = migratedNaturalKey(entryKey, step.key, toVersion);
    const dropped = first.dropped.get(step.key);
    if (dropped !== undefined) {
      if (nudge === undefined)
        changes.push(skipped(step, naturalKey, `not planned: ${dropped}`));
      else
        changes.push({
          kind: "cancelled",
          stepKey: step.key,
          nudgeId: nudge.id,
          reason: `cancelled by ${label}: ${dropped}`,
        });
      continue;
    }
    const planned = first.steps.get(step.key);
    if (planned !== undefined && planned.idealAt > now) {
      future.add(step.key);
      continue;
    }
    if (nudge === undefined)
      changes.push(
        skipped(
          step,
          naturalKey,
          `not planned: added in ${label} after its time had passed`,
        ),
      );
    else
      changes.push({
        kind: "kept",
        stepKey: step.key,
        nudgeId: nudge.id,
        note: `its time under ${label} has passed; it stays at its planned time`,
      });
  }
  if (future.size === 0) return changes;

  // Pass 2: only the steps still to come, in the calendar with what stays.
  const keptIds = new Set(
    changes.flatMap((change) =>
      change.kind === "kept" ? [change.nudgeId] : [],
    ),
  );
  const second = plan(
    input,
    candidates.filter((step) => future.has(step.key)),
    keptIds,
  );
  for (const step of candidates) {
    if (!future.has(step.key)) continue;
    const nudge = pending.get(step.key);
    const naturalKey = migratedNaturalKey(entryKey, step.key, toVersion);
    const planned = second.steps.get(step.key);
    if (planned === undefined) {
      const why = second.dropped.get(step.key) ?? "no free slot";
      if (nudge === undefined)
        changes.push(skipped(step, naturalKey, `not planned: ${why}`));
      else
        changes.push({
          kind: "cancelled",
          stepKey: step.key,
          nudgeId: nudge.id,
          reason: `cancelled by ${label}: ${why}`,
        });
      continue;
    }
    const reason = [
      `planned by ${label}`,
      ...(second.reasons.get(step.key) ?? []),
    ].join("; ");
    if (nudge === undefined) {
      changes.push({
        kind: "added",
        stepKey: step.key,
        planned,
        naturalKey,
        reason,
      });
    } else if (
      nudge.dueAt.getTime() === planned.dueAt.getTime() &&
      nudge.template === planned.template &&
      nudge.recipientId === recipientIdOf(planned)
    ) {
      changes.push({ kind: "kept", stepKey: step.key, nudgeId: nudge.id });
    } else {
      changes.push({
        kind: "moved",
        stepKey: step.key,
        nudgeId: nudge.id,
        planned,
        naturalKey,
        reason,
      });
    }
  }
  return changes;
}

function skipped(
  step: RuleStep,
  naturalKey: string,
  reason: string,
): StepChange {
  return {
    kind: "skipped",
    stepKey: step.key,
    template: step.template,
    recipientKind: recipientKindOf(step),
    naturalKey,
    reason,
  };
}

function recipientIdOf(step: PlannedStep): string | undefined {
  return (
    step.recipientPersonId ??
    (step.recipientAddress === undefined
      ? undefined
      : `address:${step.recipientAddress}`)
  );
}

interface Planned {
  readonly steps: Map<string, PlannedStep>;
  /** Why a step was left out, by step key. */
  readonly dropped: Map<string, string>;
  /** The planner's moved/merged messages, by step key. */
  readonly reasons: Map<string, string[]>;
}

/**
 * The planner on these steps of the new version, for the plan's own trigger: the trigger is not
 * matched again and re-entry is not asked (the plan exists), nor the control group (it is not in
 * it). The plan's sent nudges and `keptIds` count in the recipients' calendars.
 */
function plan(
  input: PlanMigrationInput,
  steps: readonly RuleStep[],
  keptIds: ReadonlySet<string>,
): Planned {
  const { to, facts } = input;
  const rule: Rule = {
    key: to.rule.key,
    name: to.rule.name,
    enabled: true,
    trigger: { verbs: [facts.verbId] },
    steps: [...steps],
    ...(to.rule.reEntry === undefined ? {} : { reEntry: to.rule.reEntry }),
  };
  const own: PriorNudge[] = input.nudges.flatMap((nudge): PriorNudge[] => {
    if (nudge.recipientId === undefined) return [];
    if (nudge.status === "planned" && keptIds.has(nudge.id))
      return [
        {
          recipientId: nudge.recipientId,
          dueAt: nudge.dueAt,
          status: "planned",
        },
      ];
    if (nudge.status === "handed-off")
      return [
        { recipientId: nudge.recipientId, dueAt: nudge.dueAt, status: "sent" },
      ];
    return [];
  });
  const { proposals } = planStatement({
    facts,
    learnerId: input.learnerId,
    rules: [{ ...to, rule }],
    person: input.person,
    history: {
      plans: [],
      nudges: [...input.otherNudges, ...own],
      answers: input.answers,
    },
    policy: input.policy,
  });
  const proposal = proposals[0];
  const result: Planned = {
    steps: new Map(),
    dropped: new Map(),
    reasons: new Map(),
  };
  for (const step of proposal?.steps ?? [])
    result.steps.set(step.stepKey, step);
  for (const decision of proposal?.decisions ?? []) {
    if (decision.kind === "dropped")
      result.dropped.set(decision.stepKey, decision.message);
    else if (decision.kind === "moved" || decision.kind === "merged")
      result.reasons.set(decision.stepKey, [
        ...(result.reasons.get(decision.stepKey) ?? []),
        decision.message,
      ]);
  }
  return result;
}
