export { nextBatchSlot } from "./batch-slot";
export { type DropReason, movedMessage, type PlanDecision } from "./decisions";
export { holdBackPosition, isHeldBack } from "./hold-back";
export { localDayOf } from "./local-day";
export {
  type ActivityPattern,
  describeTriggerMismatch,
  matchesTrigger,
  type TriggerFacts,
  triggerFactsFromStored,
} from "./match-trigger";
export {
  migratedNaturalKey,
  type MigratingNudge,
  planMigration,
  type PlanMigrationInput,
  type StepChange,
  type StepChangeKind,
} from "./migrate-plan";
export {
  formatRuleFileError,
  parsePolicy,
  parseRuleSet,
  type PolicyError,
  type RuleFileError,
} from "./parse-rules";
export { planNudges, planStatement } from "./plan-nudges";
export {
  type PlanContact,
  type PlanHistory,
  type PlanInput,
  type PlannedStep,
  type PlanPerson,
  type PlanProposal,
  type PriorAnswer,
  type PriorNudge,
  type PriorPlan,
  type RecipientKind,
  type RuleRef,
  type SkippedRule,
  type StatementPlan,
} from "./plan-proposal";
export { Caps, DEFAULT_POLICY, Policy, SendWindow, Weekday } from "./policy";
export { IanaZone } from "./primitives";
export {
  type AllowedSendTime,
  type CapReason,
  type MoveReason,
  nextAllowedSendTime,
} from "./recipient-calendar";
export {
  ContextFilter,
  HoldBack,
  Recipient,
  ReEntry,
  type ResolvedRuleOptions,
  resolveRuleOptions,
  ResultCondition,
  Rule,
  RuleSetFile,
  RuleStep,
  StatementPattern,
  StepBatch,
  StepCondition,
  StepOffset,
  StopConditions,
  Trigger,
  TriggerExclusion,
  WorkdaysOffset,
} from "./rule";
export { ruleFileJsonSchema } from "./rule-file-json-schema";
export {
  addWorkdays,
  isInSendWindow,
  isWorkday,
  nextWindowTime,
  resolveZone,
  type WindowReason,
} from "./send-window";
export {
  checkStepCondition,
  checkStopConditions,
  type PlanEvent,
  type StepCheck,
  type StopDecision,
  verbsThatMatter,
} from "./stop-conditions";
export {
  formatTimeline,
  planTimeline,
  type Timeline,
  type TimelineEntry,
} from "./timeline";
