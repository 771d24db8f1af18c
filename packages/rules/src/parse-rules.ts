import { err, type Issue, ok, type Result } from "@beklijf/core";
import { type z } from "zod";

import { Policy } from "./policy";
import { RuleSetFile } from "./rule";

export interface RuleFileError {
  readonly kind: "invalid-rules";
  readonly file: string;
  readonly issues: readonly Issue[];
}

export interface PolicyError {
  readonly kind: "invalid-policy";
  readonly issues: readonly Issue[];
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  array: 'a list, e.g. ["…"]',
  object: "an object { … }",
  boolean: "true or false",
  string: 'a string in double quotes, e.g. "commit"',
  number: "a number, e.g. 0.8",
  int: "a whole number, e.g. 2",
};

/**
 * What to write for each required field of a rule file, by its path without list positions
 * ("rules.steps.why" for rules[0].steps[2].why). The one place these hints live: a field that
 * becomes required gets its line here. A required field not listed gets a hint from its type.
 */
const REQUIRED: Readonly<Record<string, string>> = {
  rules:
    'write the list of rules, e.g. { "rules": [{ "key": "after-completion", "name": "After a completed course", "trigger": { … }, "steps": [ … ] }] }',
  "rules.key":
    'write a key in lower-case letters, digits and dashes, e.g. "after-completion"; it names the rule for good, so pick it once',
  "rules.name":
    'write the name L&D sees in the console, e.g. "After a completed course"',
  "rules.trigger":
    'write what starts the rule, e.g. { "verbs": ["http://adlnet.gov/expapi/verbs/completed"] }',
  "rules.trigger.verbs":
    'list the verbs that start the rule, e.g. ["http://adlnet.gov/expapi/verbs/completed"]',
  "rules.steps":
    'write the list of nudges, e.g. [{ "key": "commit", "offset": "PT4H", "recipient": "learner", "template": "commit", "why": "an if-then plan right after the training" }]',
  "rules.steps.key":
    'write a key in lower-case letters, digits and dashes, e.g. "commit"; it is part of the nudge\'s id, so never rename a live step',
  "rules.steps.offset":
    'write how long after the trigger it goes out: an ISO 8601 duration such as "PT4H" or "P7D", or { "workdays": 2 }',
  "rules.steps.recipient":
    'write who gets it: "learner", "manager", "team-lead" or { "address": "academie@example.nl" }',
  "rules.steps.recipient.address":
    'write the email address that gets it, e.g. "academie@example.nl"',
  "rules.steps.template":
    'write the name of a template in the content pack, e.g. "commit"',
  "rules.steps.why":
    'write a short sentence L&D sees in the console on why this step exists, e.g. "an if-then plan right after the training"',
  "rules.steps.condition.notAnswered":
    'write the answer that makes the step unnecessary, e.g. "applied"',
  "rules.steps.batch.weekday":
    'write the weekday of the weekly slot, e.g. "mon"',
  "rules.steps.batch.at":
    'write the local time of the weekly slot "HH:MM", e.g. "09:00"',
  "rules.stopWhen.statements.verbs":
    'list the verbs of a later statement that ends the plan, e.g. ["http://adlnet.gov/expapi/verbs/failed"]',
  "rules.holdBack.share":
    "write the share of learners who get no nudges, between 0 and 0.5, e.g. 0.1 for 10%",
};

/** "is required: write …", from `REQUIRED` or else from the expected type. */
function requiredMessage(
  path: readonly PropertyKey[],
  expected: string | undefined,
): string {
  const field = path.filter((part) => typeof part !== "number").join(".");
  const hint =
    REQUIRED[field] ??
    (expected === undefined || TYPE_NAMES[expected] === undefined
      ? undefined
      : `write ${TYPE_NAMES[expected]}`);
  return hint === undefined ? "is required" : `is required: ${hint}`;
}

/**
 * zod's generic messages ("Invalid input: expected boolean, received string") rephrased to say
 * what to write, and a missing field to say what belongs there; schema-level messages in rule.ts
 * and policy.ts take precedence.
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  // A missing field: a type, a union (offset, recipient) or an enum (weekday) saw `undefined`.
  if (issue.input === undefined && issue.code === "invalid_type")
    return requiredMessage(issue.path ?? [], issue.expected);
  if (
    issue.input === undefined &&
    (issue.code === "invalid_union" || issue.code === "invalid_value")
  )
    return requiredMessage(issue.path ?? [], undefined);
  if (issue.code !== "invalid_type") return undefined;
  return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
};

function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === "number" ? p : String(p))),
    message: issue.message,
  }));
}

/** Validates the parsed JSON of a rule file; errors name the file, the path and what to write. */
export function parseRuleSet(
  json: unknown,
  file: string,
): Result<RuleSetFile, RuleFileError> {
  const parsed = RuleSetFile.safeParse(json, { error: errorMap });
  if (parsed.success) return ok(parsed.data);
  return err({ kind: "invalid-rules", file, issues: toIssues(parsed.error) });
}

/** `rules.json is not a valid rule file:` followed by one `  - rules.0.steps.1.offset: …` per issue. */
export function formatRuleFileError(error: RuleFileError): string {
  return `${error.file} is not a valid rule file:\n${error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`;
}

/** Validates a tenant's policy (missing fields take DOMAIN.md's defaults). */
export function parsePolicy(json: unknown): Result<Policy, PolicyError> {
  const parsed = Policy.safeParse(json, { error: errorMap });
  if (parsed.success) return ok(parsed.data);
  return err({ kind: "invalid-policy", issues: toIssues(parsed.error) });
}
