import { err, type Issue, ok, type Result } from "@beklijf/core";

import { RuleSetFile } from "./rule";

export interface RuleFileError {
  readonly kind: "invalid-rules";
  readonly file: string;
  readonly issues: readonly Issue[];
}

/** Validates the parsed JSON of a rule file; errors name the file and the path. */
export function parseRuleSet(
  json: unknown,
  file: string,
): Result<RuleSetFile, RuleFileError> {
  const parsed = RuleSetFile.safeParse(json);
  if (parsed.success) return ok(parsed.data);
  return err({
    kind: "invalid-rules",
    file,
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === "number" ? p : String(p))),
      message: issue.message,
    })),
  });
}

export function formatRuleFileError(error: RuleFileError): string {
  return `${error.file} is not a valid rule file:\n${error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n")}`;
}
