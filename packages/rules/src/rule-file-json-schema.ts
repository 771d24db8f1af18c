import { z } from "zod";

import { RuleSetFile } from "./rule";

/**
 * The JSON Schema (draft 2020-12) of a rule file, for editors: a pack's rules.json may point at it
 * with "$schema". It describes the input (fields with a default are optional); checks that span
 * fields, such as unique step keys, exist only in `parseRuleSet`. `scripts/write-schema.mjs`
 * writes it to rules.schema.json, and a unit test fails when that file is out of date.
 */
export function ruleFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(RuleSetFile, { io: "input", unrepresentable: "any" }),
    title: "beklijf rule file",
  };
}
