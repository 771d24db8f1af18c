import type { PlanDecision } from "./decisions";
import type { TriggerFacts } from "./match-trigger";
import type { Policy } from "./policy";
import type { BookedNudge } from "./recipient-calendar";
import type { Rule, StepCondition } from "./rule";

// The planner's input and output. Plain data: the engine persists proposals, the simulation
// prints them, and neither needs anything else from here.

export interface RuleRef {
  readonly ruleId: string;
  readonly ruleVersionId: string;
  readonly rule: Rule;
}

export type RecipientKind = "learner" | "manager" | "team-lead" | "address";

export interface PlannedStep {
  readonly stepKey: string;
  readonly recipient: RecipientKind;
  /** Who receives it: the learner, their manager or team lead; undefined for a fixed address. */
  readonly recipientPersonId: string | undefined;
  /** The fixed address (lower-cased) of an `{ "address": ... }` recipient. */
  readonly recipientAddress: string | undefined;
  readonly template: string;
  /** When to send, after the policy: never earlier than `idealAt`. */
  readonly dueAt: Date;
  /** What the step asked for (trigger + offset, at `at`), before the policy moved it. */
  readonly idealAt: Date;
  /** The recipient's IANA zone the times were worked out in. */
  readonly timeZone: string;
  /**
   * `<recipient>|<dueAt ISO>`: nudges with the same mergeKey (same recipient, same dueAt) go in one
   * email. With a policy, nudges for one recipient on one local day share their dueAt.
   */
  readonly mergeKey: string;
  /** Natural key of this nudge, `<entryKey>|<stepKey>`: the job id is derived from it. */
  readonly naturalKey: string;
  readonly why: string;
  /** Re-check with `checkStepCondition` when it fires. */
  readonly condition: StepCondition | undefined;
}

export interface PlanProposal {
  readonly ruleId: string;
  readonly ruleVersionId: string;
  /** Re-entry guard: `<ruleId>|<learnerId>|registration:<id>` (or `activity:<objectId>`). */
  readonly entryKey: string;
  readonly steps: readonly PlannedStep[];
  /** In the rule's control group: record the plan (to compare later), send nothing. */
  readonly heldBack: boolean;
  /** What the policy or the person's situation moved, merged or dropped, and why. */
  readonly decisions: readonly PlanDecision[];
}

/** A rule that matched but started no plan. */
export interface SkippedRule {
  readonly ruleId: string;
  readonly ruleVersionId: string;
  readonly reason: "re-entry";
  readonly message: string;
}

export interface PlanContact {
  readonly id: string;
  /** IANA zone; the policy's zone when absent or not valid. */
  readonly timeZone?: string | undefined;
}

/** The learner as the directory knows them. */
export interface PlanPerson {
  /** IANA zone; the policy's zone when absent or not valid. */
  readonly timeZone?: string | undefined;
  /** Absent: steps to the manager are dropped ("no manager known"). */
  readonly manager?: PlanContact | undefined;
  /** Absent: steps to the team lead are dropped. */
  readonly teamLead?: PlanContact | undefined;
}

export interface PriorPlan {
  readonly ruleId: string;
  readonly entryKey: string;
  readonly objectId: string;
  readonly registration?: string | undefined;
  /** The trigger's timestamp of that plan. */
  readonly triggeredAt: Date;
}

/** A nudge already planned for, or sent to, the learner, their manager or team lead. */
export interface PriorNudge extends BookedNudge {
  /** Person id, or `address:<lower-cased address>`. */
  readonly recipientId: string;
  /** Its plan; the nudges of a plan that is being planned again (a replay) are left out. */
  readonly entryKey?: string | undefined;
}

export interface PriorAnswer {
  readonly kind: string;
  /** The activity of the plan it was given in. */
  readonly objectId: string;
  readonly answeredAt: Date;
}

/** The learner's history; every list is optional (absent: nothing yet). */
export interface PlanHistory {
  /** The learner's plans, for re-entry. */
  readonly plans?: readonly PriorPlan[];
  /** For the caps: planned (not yet sent) and sent nudges of the learner, manager and team lead. */
  readonly nudges?: readonly PriorNudge[];
  /** The learner's answers, for step conditions. */
  readonly answers?: readonly PriorAnswer[];
}

export interface PlanInput {
  readonly facts: TriggerFacts;
  readonly learnerId: string;
  readonly rules: readonly RuleRef[];
  readonly person?: PlanPerson | undefined;
  readonly history?: PlanHistory | undefined;
  /**
   * Send window, caps, holidays and the tenant's zone. Absent: no window, no caps, no merging, and
   * times in the person's zone or UTC (the walking skeleton's behaviour). Pass `DEFAULT_POLICY`
   * for the defaults of DOMAIN.md.
   */
  readonly policy?: Policy | undefined;
}

export interface StatementPlan {
  readonly proposals: PlanProposal[];
  readonly skipped: SkippedRule[];
}
