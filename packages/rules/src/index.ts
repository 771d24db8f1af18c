export {
  formatRuleFileError,
  parseRuleSet,
  type RuleFileError,
} from "./parse-rules";
export {
  matchesTrigger,
  type PlannedStep,
  planNudges,
  type PlanProposal,
  type RuleRef,
  type TriggerFacts,
} from "./plan-nudges";
export { Recipient, Rule, RuleSetFile, RuleStep, Trigger } from "./rule";
