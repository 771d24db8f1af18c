import { readFileSync } from "node:fs";
import path from "node:path";

import { ruleFileJsonSchema } from "./rule-file-json-schema";

describe("ruleFileJsonSchema", () => {
  it("matches the committed rules.schema.json (run node packages/rules/scripts/write-schema.mjs)", () => {
    const committed: unknown = JSON.parse(
      readFileSync(path.resolve(__dirname, "../rules.schema.json"), "utf8"),
    );
    // Compared as data, so formatting the file with Prettier does not matter.
    expect(committed).toEqual(ruleFileJsonSchema());
  });

  it("describes the rule file, its steps and what each field is for", () => {
    const schema = JSON.stringify(ruleFileJsonSchema());
    for (const field of [
      "workdays",
      "againAfterDays",
      "notAnswered",
      "activityIdPrefixes",
      "share",
    ])
      expect(schema).toContain(`"${field}"`);
    expect(schema).toContain("Why this step exists");
  });
});
