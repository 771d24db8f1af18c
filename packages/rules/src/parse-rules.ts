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
 * zod's generic type messages ("Invalid input: expected boolean, received string") rephrased to
 * say what to write; schema-level messages in rule.ts and policy.ts take precedence.
 */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== "invalid_type") return undefined;
  if (issue.input === undefined) return "is required";
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
