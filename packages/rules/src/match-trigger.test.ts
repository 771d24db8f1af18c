import {
  describeTriggerMismatch,
  matchesTrigger,
  type TriggerFacts,
  triggerFactsFromStored,
} from "./match-trigger";
import { Rule, type Trigger } from "./rule";

const completed = "http://adlnet.gov/expapi/verbs/completed";
const passed = "http://adlnet.gov/expapi/verbs/passed";
const course = "https://w3id.org/xapi/cmi5/activitytype/course";
const leadership = "https://lms.example.nl/category/leadership";
const moduleType = "http://adlnet.gov/expapi/activities/module";

function aRule(trigger: Partial<Trigger>): Rule {
  return Rule.parse({
    key: "r",
    name: "r",
    trigger: { verbs: [completed, passed], ...trigger },
    steps: [
      {
        key: "commit",
        offset: "PT4H",
        recipient: "learner",
        template: "commit",
        why: "w",
      },
    ],
  });
}

const facts: TriggerFacts = {
  statementId: "s1",
  verbId: completed,
  objectId: "https://lms.example.nl/course/view.php?id=7",
  activityType: course,
  registration: undefined,
  timestamp: new Date("2026-03-27T10:00:00Z"),
  result: { completion: true, success: true, scoreScaled: 0.75 },
  context: { categoryIds: [leadership], platform: "Moodle" },
  connection: "moodle-prod",
};

describe("matchesTrigger", () => {
  it.each<[string, Partial<Trigger>, Partial<TriggerFacts>, boolean]>([
    ["a listed verb", {}, {}, true],
    [
      "a verb not listed",
      {},
      { verbId: "http://adlnet.gov/expapi/verbs/attempted" },
      false,
    ],
    ["a listed activity id", { activityIds: [facts.objectId] }, {}, true],
    [
      "an activity id not listed",
      { activityIds: ["https://lms.example.nl/course/view.php?id=8"] },
      {},
      false,
    ],
    [
      "an activity id under a prefix",
      { activityIdPrefixes: ["https://lms.example.nl/course/"] },
      {},
      true,
    ],
    [
      "an activity id under no prefix",
      { activityIdPrefixes: ["https://lms.example.nl/quiz/"] },
      {},
      false,
    ],
    [
      "a prefix is not a pattern: ?id=7 does not start with ?id=70",
      { activityIdPrefixes: ["https://lms.example.nl/course/view.php?id=70"] },
      {},
      false,
    ],
    [
      "ids and prefixes as alternatives",
      {
        activityIds: ["https://lms.example.nl/course/view.php?id=8"],
        activityIdPrefixes: ["https://lms.example.nl/course/"],
      },
      {},
      true,
    ],
    ["a listed activity type", { activityTypes: [course] }, {}, true],
    [
      "no activity type when types are listed",
      { activityTypes: [course] },
      { activityType: undefined },
      false,
    ],
    [
      "a prefix match of another type",
      {
        activityIdPrefixes: ["https://lms.example.nl/"],
        activityTypes: ["http://adlnet.gov/expapi/activities/lesson"],
      },
      {},
      false,
    ],
    ["completion true", { result: { completion: true } }, {}, true],
    [
      "completion false where true is asked",
      { result: { completion: true } },
      { result: { completion: false } },
      false,
    ],
    [
      "no result where completion is asked",
      { result: { completion: true } },
      { result: undefined },
      false,
    ],
    [
      "success false where false is asked",
      { result: { success: false } },
      { result: { success: false } },
      true,
    ],
    [
      "success true where false is asked",
      { result: { success: false } },
      {},
      false,
    ],
    [
      "a score at the threshold",
      { result: { scoreScaledAtLeast: 0.75 } },
      {},
      true,
    ],
    ["a score below it", { result: { scoreScaledAtLeast: 0.8 } }, {}, false],
    [
      "no score where one is asked",
      { result: { scoreScaledAtLeast: 0 } },
      { result: { completion: true } },
      false,
    ],
    ["a listed category", { context: { categoryIds: [leadership] } }, {}, true],
    [
      "another category",
      { context: { categoryIds: ["https://lms.example.nl/category/it"] } },
      {},
      false,
    ],
    [
      "a grouping where none is present",
      { context: { groupingIds: [leadership] } },
      {},
      false,
    ],
    [
      "a listed parent",
      { context: { parentIds: ["https://lms.example.nl/programme/1"] } },
      { context: { parentIds: ["https://lms.example.nl/programme/1"] } },
      true,
    ],
    [
      "a listed platform",
      { context: { platforms: ["Moodle", "Totara"] } },
      {},
      true,
    ],
    ["another platform", { context: { platforms: ["Totara"] } }, {}, false],
    ["a listed connection", { connections: ["moodle-prod"] }, {}, true],
    ["another connection", { connections: ["moodle-test"] }, {}, false],
    [
      "an empty list of connections (all)",
      { connections: [] },
      { connection: undefined },
      true,
    ],
  ])("%s: %p", (_label, trigger, change, expected) => {
    expect(matchesTrigger(aRule(trigger), { ...facts, ...change })).toBe(
      expected,
    );
  });

  it("never matches a disabled rule", () => {
    expect(matchesTrigger({ ...aRule({}), enabled: false }, facts)).toBe(false);
  });
});

describe("describeTriggerMismatch", () => {
  it.each<[Partial<Trigger>, Partial<TriggerFacts>, string]>([
    [
      {},
      { verbId: "http://adlnet.gov/expapi/verbs/attempted" },
      "verb http://adlnet.gov/expapi/verbs/attempted is not in trigger.verbs",
    ],
    [
      { activityIdPrefixes: ["https://lms.example.nl/quiz/"] },
      {},
      "activity https://lms.example.nl/course/view.php?id=7 is not listed and starts with no listed prefix",
    ],
    [
      { activityTypes: [course] },
      { activityType: undefined },
      "activity type (none) is not in activityTypes",
    ],
    [
      { result: { scoreScaledAtLeast: 0.8 } },
      {},
      "result.score.scaled 0.75 is below 0.8",
    ],
    [
      { context: { categoryIds: ["https://x.nl/c"] } },
      {},
      "no category of the statement is in trigger.context",
    ],
    [
      { connections: ["moodle-test"] },
      {},
      "connection moodle-prod is not in trigger.connections",
    ],
    [
      { unless: { activityTypes: [moduleType] } },
      { activityType: moduleType },
      `activity type ${moduleType} is in trigger.unless.activityTypes`,
    ],
    [
      { unless: { activityIdPrefixes: ["https://lms.example.nl/course/"] } },
      {},
      "activity https://lms.example.nl/course/view.php?id=7 starts with https://lms.example.nl/course/ of trigger.unless.activityIdPrefixes",
    ],
    [
      { unless: { categoryIds: [leadership] } },
      {},
      `category ${leadership} is in trigger.unless.categoryIds`,
    ],
  ])("explains %p", (trigger, change, message) => {
    expect(
      describeTriggerMismatch(aRule(trigger), { ...facts, ...change }),
    ).toBe(message);
  });

  it("is undefined for a match", () => {
    expect(describeTriggerMismatch(aRule({}), facts)).toBeUndefined();
  });

  it("lets through what unless does not name", () => {
    expect(
      describeTriggerMismatch(
        aRule({
          unless: {
            activityTypes: [moduleType],
            activityIdPrefixes: ["https://lms.example.nl/quiz/"],
            categoryIds: ["https://lms.example.nl/category/short"],
          },
        }),
        facts,
      ),
    ).toBeUndefined();
  });
});

describe("triggerFactsFromStored", () => {
  const stored = {
    id: "s1",
    verbId: completed,
    objectId: "https://lms.example.nl/course/view.php?id=7",
    activityType: course,
    registration: null,
    timestamp: new Date("2026-03-27T10:00:00Z"),
    connection: "moodle-prod",
  };

  it("reads result and context from the statement's JSON", () => {
    const raw = {
      result: {
        completion: true,
        success: false,
        score: { scaled: 0.4, raw: 4 },
      },
      context: {
        platform: "Moodle",
        contextActivities: {
          category: [{ id: leadership }],
          grouping: { id: "https://lms.example.nl/programme/1" },
        },
      },
    };
    expect(triggerFactsFromStored({ ...stored, raw })).toEqual({
      statementId: "s1",
      verbId: completed,
      objectId: stored.objectId,
      activityType: course,
      registration: undefined,
      timestamp: stored.timestamp,
      result: { completion: true, success: false, scoreScaled: 0.4 },
      context: {
        categoryIds: [leadership],
        groupingIds: ["https://lms.example.nl/programme/1"],
        parentIds: undefined,
        platform: "Moodle",
      },
      connection: "moodle-prod",
    });
  });

  it("leaves out parts it cannot read, so filters on them simply do not match", () => {
    const facts = triggerFactsFromStored({
      ...stored,
      raw: {
        result: { completion: "yes" },
        context: { contextActivities: { category: 7 } },
      },
    });
    expect(facts.result).toEqual({
      completion: undefined,
      success: undefined,
      scoreScaled: undefined,
    });
    expect(facts.context?.categoryIds).toBeUndefined();
    expect(matchesTrigger(aRule({ result: { completion: true } }), facts)).toBe(
      false,
    );
  });
});
