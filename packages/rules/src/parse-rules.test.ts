import { readFileSync } from "node:fs";
import path from "node:path";

import { formatRuleFileError, parsePolicy, parseRuleSet } from "./parse-rules";
import { DEFAULT_POLICY } from "./policy";
import { resolveRuleOptions, Rule } from "./rule";

const completed = "http://adlnet.gov/expapi/verbs/completed";

const rule = {
  key: "after-completion",
  name: "After a completed course",
  trigger: { verbs: [completed] },
  steps: [
    {
      key: "commit",
      offset: "PT4H",
      recipient: "learner",
      template: "commit",
      why: "an if-then plan right after the training",
    },
  ],
};

/** The one issue of parsing `rules: [changed]`, or the issues when there are several. */
function issuesOf(changed: unknown): unknown {
  const result = parseRuleSet({ rules: [changed] }, "rules.json");
  if (result.ok) return "valid";
  return result.error.issues.map((issue) => [
    issue.path.slice(2).join("."),
    issue.message,
  ]);
}

/** The example of the README: every part of the language at once. */
const fullRule = {
  key: "leadership-programme",
  name: "Leadership programme, after completion",
  enabled: true,
  trigger: {
    verbs: [completed, "https://w3id.org/xapi/adl/verbs/satisfied"],
    activityIdPrefixes: ["https://lms.example.nl/course/view.php?id="],
    activityTypes: ["https://w3id.org/xapi/cmi5/activitytype/course"],
    result: { completion: true, scoreScaledAtLeast: 0.6 },
    context: {
      categoryIds: ["https://lms.example.nl/category/leadership"],
      platforms: ["Moodle"],
    },
    connections: ["moodle-prod"],
  },
  steps: [
    {
      key: "commit",
      offset: "PT4H",
      recipient: "learner",
      template: "commit",
      why: "an if-then plan right after the training",
    },
    {
      key: "after-talk",
      offset: { workdays: 2 },
      at: "09:00",
      recipient: "manager",
      template: "after-talk",
      condition: { notAnswered: "applied" },
      why: "the manager is the strongest lever for transfer",
    },
    {
      key: "team-agenda",
      offset: "P30D",
      recipient: "team-lead",
      template: "team-agenda",
      why: "peer support explains much of transfer",
    },
    {
      key: "copy-academy",
      offset: "P90D",
      recipient: { address: "academie@example.nl" },
      template: "value-check",
      why: "L&D follows the quarterly value check",
    },
  ],
  stopWhen: {
    statements: [{ verbs: ["http://adlnet.gov/expapi/verbs/failed"] }],
    answers: ["stop"],
    triggerVoided: true,
  },
  reEntry: { againAfterDays: 180 },
  holdBack: { share: 0.1 },
};

describe("parseRuleSet", () => {
  it("reads the default content pack's rules.json unchanged", () => {
    const file = path.resolve(
      __dirname,
      "../../../templates/werkplekleren/rules.json",
    );
    const json: unknown = JSON.parse(readFileSync(file, "utf8"));
    const result = parseRuleSet(json, file);
    expect(result.ok).toBe(true);
    // Nothing is added to what the author wrote, so stored rule versions keep comparing equal.
    expect(result.ok && result.value).toEqual(json);
  });

  it("reads every part of the language", () => {
    const result = parseRuleSet({ rules: [fullRule] }, "rules.json");
    expect(result).toEqual({ ok: true, value: { rules: [fullRule] } });
  });

  it("adds only enabled: true to a rule that leaves it out", () => {
    expect(Rule.parse(rule)).toEqual({ ...rule, enabled: true });
  });

  it.each<[string, unknown, unknown]>([
    [
      "an offset in words",
      { ...rule, steps: [{ ...rule.steps[0], offset: "four hours" }] },
      [
        [
          "steps.0.offset",
          'must be an ISO 8601 duration such as "PT4H", "P2D" or "P1W" (no negative parts)',
        ],
      ],
    ],
    [
      "a negative offset",
      { ...rule, steps: [{ ...rule.steps[0], offset: "-P1D" }] },
      [
        [
          "steps.0.offset",
          'must be an ISO 8601 duration such as "PT4H", "P2D" or "P1W" (no negative parts)',
        ],
      ],
    ],
    [
      "a number as offset",
      { ...rule, steps: [{ ...rule.steps[0], offset: 4 }] },
      [
        [
          "steps.0.offset",
          'must be an ISO 8601 duration such as "PT4H", "P2D" or "P1W", or { "workdays": 2 }',
        ],
      ],
    ],
    [
      "half a workday",
      { ...rule, steps: [{ ...rule.steps[0], offset: { workdays: 1.5 } }] },
      [
        [
          "steps.0.offset.workdays",
          "must be a whole number of workdays, e.g. 2",
        ],
      ],
    ],
    [
      "a misspelt key",
      {
        ...rule,
        steps: [
          {
            key: "commit",
            ofset: "PT4H",
            recipient: "learner",
            template: "commit",
            why: "w",
          },
        ],
      },
      [
        [
          "steps.0.offset",
          'is required: write how long after the trigger it goes out: an ISO 8601 duration such as "PT4H" or "P7D", or { "workdays": 2 }',
        ],
        [
          "steps.0",
          'unknown key "ofset"; write one of "key", "offset", "at", "recipient", "template", "condition", "batch", "why"',
        ],
      ],
    ],
    [
      "an unknown recipient",
      { ...rule, steps: [{ ...rule.steps[0], recipient: "boss" }] },
      [
        [
          "steps.0.recipient",
          'must be "learner", "manager", "team-lead" or { "address": "academie@example.nl" }',
        ],
      ],
    ],
    [
      "a fixed address that is none",
      {
        ...rule,
        steps: [{ ...rule.steps[0], recipient: { address: "academie" } }],
      },
      [
        [
          "steps.0.recipient.address",
          'must be an email address, e.g. "academie@example.nl"',
        ],
      ],
    ],
    [
      "a time without a leading zero",
      { ...rule, steps: [{ ...rule.steps[0], at: "9:00" }] },
      [
        [
          "steps.0.at",
          'must be a local time "HH:MM" between 00:00 and 23:59, e.g. "09:00"',
        ],
      ],
    ],
    [
      "a step without a why",
      { ...rule, steps: [{ ...rule.steps[0], why: undefined }] },
      [
        [
          "steps.0.why",
          'is required: write a short sentence L&D sees in the console on why this step exists, e.g. "an if-then plan right after the training"',
        ],
      ],
    ],
    [
      "enabled as a word",
      { ...rule, enabled: "yes" },
      [["enabled", "must be true or false"]],
    ],
    [
      "a verb that is no IRI",
      { ...rule, trigger: { verbs: ["completed"] } },
      [
        [
          "trigger.verbs.0",
          "must be an IRI, e.g. http://adlnet.gov/expapi/verbs/completed",
        ],
      ],
    ],
    [
      "a score above 1",
      {
        ...rule,
        trigger: { verbs: [completed], result: { scoreScaledAtLeast: 80 } },
      },
      [
        [
          "trigger.result.scoreScaledAtLeast",
          "must be a scaled score between -1 and 1, e.g. 0.8",
        ],
      ],
    ],
    [
      "a hold-back of more than half",
      { ...rule, holdBack: { share: 0.6 } },
      [
        [
          "holdBack.share",
          "must be a share between 0 and 0.5, e.g. 0.1 for 10%",
        ],
      ],
    ],
    [
      "an unknown re-entry policy",
      { ...rule, reEntry: "always" },
      [
        [
          "reEntry",
          'must be "once-per-activity", "once-per-registration" or { "againAfterDays": 180 }',
        ],
      ],
    ],
    [
      "a stop pattern without verbs",
      {
        ...rule,
        stopWhen: { statements: [{ activityIds: ["https://x.nl/1"] }] },
      },
      [
        [
          "stopWhen.statements.0.verbs",
          'is required: list the verbs of a later statement that ends the plan, e.g. ["http://adlnet.gov/expapi/verbs/failed"]',
        ],
      ],
    ],
    [
      "an answer kind in capitals",
      { ...rule, stopWhen: { answers: ["Applied"] } },
      [
        [
          "stopWhen.answers.0",
          'must be an answer kind in lower-case letters, digits and dashes, e.g. "applied"',
        ],
      ],
    ],
    [
      "two steps with one key",
      { ...rule, steps: [rule.steps[0], rule.steps[0]] },
      [
        [
          "steps.1.key",
          'step key "commit" is used twice; give each step its own key',
        ],
      ],
    ],
    [
      "an empty trigger.unless",
      { ...rule, trigger: { ...rule.trigger, unless: {} } },
      [
        [
          "trigger.unless",
          'must list activityTypes, activityIdPrefixes or categoryIds, e.g. { "activityTypes": ["http://adlnet.gov/expapi/activities/module"] }',
        ],
      ],
    ],
    [
      "an activity type both wanted and excluded",
      {
        ...rule,
        trigger: {
          ...rule.trigger,
          activityTypes: ["http://adlnet.gov/expapi/activities/module"],
          unless: {
            activityTypes: ["http://adlnet.gov/expapi/activities/module"],
          },
        },
      },
      [
        [
          "trigger.unless.activityTypes",
          "activity type http://adlnet.gov/expapi/activities/module is both in activityTypes and in unless.activityTypes; keep it in one of them",
        ],
      ],
    ],
    [
      "a batch slot on a day that is no weekday",
      {
        ...rule,
        steps: [{ ...rule.steps[0], batch: { weekday: "monday", at: "9:00" } }],
      },
      [
        [
          "steps.0.batch.weekday",
          'must be a weekday: "mon", "tue", "wed", "thu", "fri", "sat" or "sun"',
        ],
        [
          "steps.0.batch.at",
          'must be a local time "HH:MM" between 00:00 and 23:59, e.g. "09:00"',
        ],
      ],
    ],
  ])(
    "refuses %s, naming the path and what to write",
    (_label, changed, expected) => {
      expect(issuesOf(changed)).toEqual(expected);
    },
  );

  const { key: _key, name: _name, trigger: _trigger, ...bare } = rule;
  const {
    template: _template,
    recipient: _recipient,
    ...bareStep
  } = rule.steps[0] ?? {};

  it.each<[string, unknown, string, string]>([
    [
      "a rule without a key",
      { ...bare, name: rule.name, trigger: rule.trigger },
      "key",
      'is required: write a key in lower-case letters, digits and dashes, e.g. "after-completion"; it names the rule for good, so pick it once',
    ],
    [
      "a rule without a name",
      { ...bare, key: rule.key, trigger: rule.trigger },
      "name",
      'is required: write the name L&D sees in the console, e.g. "After a completed course"',
    ],
    [
      "a rule without a trigger",
      { ...bare, key: rule.key, name: rule.name },
      "trigger",
      'is required: write what starts the rule, e.g. { "verbs": ["http://adlnet.gov/expapi/verbs/completed"] }',
    ],
    [
      "a trigger without verbs",
      { ...rule, trigger: { activityIds: ["https://x.nl/1"] } },
      "trigger.verbs",
      'is required: list the verbs that start the rule, e.g. ["http://adlnet.gov/expapi/verbs/completed"]',
    ],
    [
      "a rule without steps",
      { ...rule, steps: undefined },
      "steps",
      'is required: write the list of nudges, e.g. [{ "key": "commit", "offset": "PT4H", "recipient": "learner", "template": "commit", "why": "an if-then plan right after the training" }]',
    ],
    [
      "a step without a key",
      { ...rule, steps: [{ ...rule.steps[0], key: undefined }] },
      "steps.0.key",
      'is required: write a key in lower-case letters, digits and dashes, e.g. "commit"; it is part of the nudge\'s id, so never rename a live step',
    ],
    [
      "a step without a template",
      { ...rule, steps: [{ ...bareStep, recipient: "learner" }] },
      "steps.0.template",
      'is required: write the name of a template in the content pack, e.g. "commit"',
    ],
    [
      "a step without a recipient",
      { ...rule, steps: [{ ...bareStep, template: "commit" }] },
      "steps.0.recipient",
      'is required: write who gets it: "learner", "manager", "team-lead" or { "address": "academie@example.nl" }',
    ],
    [
      "a batch slot without a weekday",
      { ...rule, steps: [{ ...rule.steps[0], batch: { at: "09:00" } }] },
      "steps.0.batch.weekday",
      'is required: write the weekday of the weekly slot, e.g. "mon"',
    ],
    [
      "a hold-back without a share",
      { ...rule, holdBack: {} },
      "holdBack.share",
      "is required: write the share of learners who get no nudges, between 0 and 0.5, e.g. 0.1 for 10%",
    ],
    [
      "a condition without the answer",
      { ...rule, steps: [{ ...rule.steps[0], condition: {} }] },
      "steps.0.condition.notAnswered",
      'is required: write the answer that makes the step unnecessary, e.g. "applied"',
    ],
  ])(
    "refuses %s, naming the path and what to write",
    (_label, changed, at, message) => {
      expect(issuesOf(changed)).toEqual([[at, message]]);
    },
  );

  it("refuses a file without rules, saying what to write", () => {
    const result = parseRuleSet({}, "rules.json");
    expect(!result.ok && result.error.issues).toEqual([
      {
        path: ["rules"],
        message:
          'is required: write the list of rules, e.g. { "rules": [{ "key": "after-completion", "name": "After a completed course", "trigger": { … }, "steps": [ … ] }] }',
      },
    ]);
  });

  it("refuses two rules with one key", () => {
    const result = parseRuleSet({ rules: [rule, rule] }, "rules.json");
    expect(!result.ok && result.error.issues).toEqual([
      {
        path: ["rules", 1, "key"],
        message:
          'rule key "after-completion" is used twice; give each rule its own key',
      },
    ]);
  });
});

describe("formatRuleFileError", () => {
  it("names the file, then each path and message on its own line", () => {
    const result = parseRuleSet(
      { rules: [{ ...rule, enabled: "yes", trigger: { verbs: [] } }] },
      "templates/x/rules.json",
    );
    expect(!result.ok && formatRuleFileError(result.error)).toBe(
      [
        "templates/x/rules.json is not a valid rule file:",
        "  - rules.0.enabled: must be true or false",
        "  - rules.0.trigger.verbs: must list at least one verb id",
      ].join("\n"),
    );
  });
});

describe("resolveRuleOptions", () => {
  it("applies the defaults of the optional fields", () => {
    expect(resolveRuleOptions(Rule.parse(rule))).toEqual({
      reEntry: "once-per-activity",
      holdBackShare: 0,
      stopWhen: { statements: [], answers: [], triggerVoided: true },
    });
  });

  it("keeps what the rule says", () => {
    expect(resolveRuleOptions(Rule.parse(fullRule))).toEqual({
      reEntry: { againAfterDays: 180 },
      holdBackShare: 0.1,
      stopWhen: {
        statements: [{ verbs: ["http://adlnet.gov/expapi/verbs/failed"] }],
        answers: ["stop"],
        triggerVoided: true,
      },
    });
  });
});

describe("parsePolicy", () => {
  it("gives DOMAIN.md's defaults for an empty policy", () => {
    expect(parsePolicy({})).toEqual({
      ok: true,
      value: {
        timeZone: "Europe/Amsterdam",
        sendWindow: {
          days: ["mon", "tue", "wed", "thu", "fri"],
          start: "08:00",
          end: "18:00",
        },
        caps: { perDay: 1, perWeek: 2 },
        holidays: [],
      },
    });
    expect(parsePolicy({})).toEqual({ ok: true, value: DEFAULT_POLICY });
  });

  it("fills in the parts a tenant leaves out", () => {
    const result = parsePolicy({
      sendWindow: { start: "09:30" },
      caps: { perWeek: 3 },
    });
    expect(result.ok && result.value.sendWindow).toEqual({
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "09:30",
      end: "18:00",
    });
    expect(result.ok && result.value.caps).toEqual({ perDay: 1, perWeek: 3 });
  });

  it.each<[string, unknown, unknown]>([
    ["an unknown zone", { timeZone: "Europe/Amsterdamm" }, ["timeZone"]],
    [
      "a window that ends before it starts",
      { sendWindow: { start: "18:00", end: "08:00" } },
      ["sendWindow", "end"],
    ],
    ["no days", { sendWindow: { days: [] } }, ["sendWindow", "days"]],
    [
      "a weekday in Dutch",
      { sendWindow: { days: ["ma"] } },
      ["sendWindow", "days", 0],
    ],
    [
      "a week cap below the day cap",
      { caps: { perDay: 3, perWeek: 2 } },
      ["caps", "perWeek"],
    ],
    [
      "a date that does not exist",
      { holidays: ["2026-02-30"] },
      ["holidays", 0],
    ],
  ])("refuses %s", (_label, policy, at) => {
    const result = parsePolicy(policy);
    expect(
      !result.ok && result.error.issues.map((issue) => issue.path),
    ).toEqual([at]);
  });
});
