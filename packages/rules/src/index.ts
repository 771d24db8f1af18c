export { type RuleFileError, formatRuleFileError, parseRuleSet } from "./parse-rules";
export { type PlanProposal, type PlannedStep, type RuleRef, type TriggerFacts, matchesTrigger, planNudges } from "./plan-nudges";
export { Recipient, Rule, RuleSetFile, RuleStep, Trigger } from "./rule";
