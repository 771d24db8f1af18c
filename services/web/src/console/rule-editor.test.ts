import { checkRuleText } from "./rule-editor";

const valid = {
  key: "kort",
  name: "Kort",
  trigger: { verbs: ["http://adlnet.gov/expapi/verbs/completed"] },
  steps: [
    {
      key: "commit",
      template: "commit",
      offset: "PT4H",
      recipient: "learner",
      why: "an if-then plan right after the training",
    },
  ],
};

describe("checkRuleText", () => {
  it("accepts a valid rule", () => {
    expect(checkRuleText(JSON.stringify(valid), "kort").ok).toBe(true);
  });

  it("names the JSON syntax error", () => {
    const result = checkRuleText("{ nope", "kort");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.path).toBe("(JSON)");
  });

  it("gives the line and column of a JSON syntax error, and what to write", () => {
    const result = checkRuleText(
      '{\n  "key": "kort",\n  "name": "Kort"\n  "enabled": true\n}',
      "kort",
    );
    expect(!result.ok && result.problems).toEqual([
      {
        path: "(JSON)",
        message:
          'line 4, column 3: "\\"" after a value: write "," before the next key, or "}" to close the object',
        line: 4,
      },
    ]);
  });

  it("reports the parser's problems at the path inside the rule, with its line", () => {
    const text = JSON.stringify({ ...valid, steps: [] }, null, 2);
    const result = checkRuleText(text, "kort");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.path === "steps");
    expect(problem?.message).toBe("must have at least one step");
    expect(problem?.line).toBe(
      text.split("\n").findIndex((l) => l.includes('"steps"')) + 1,
    );
  });

  it("refuses a changed key", () => {
    const result = checkRuleText(
      JSON.stringify({ ...valid, key: "other" }),
      "kort",
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]?.path).toBe("key");
  });
});
