// commonStatement must agree with the Statement schema: whatever it accepts, the schema accepts
// with the very same output, and whatever the schema refuses, it leaves alone. Checked on common
// statements and on every one-property change of them to a wrong (or unusual) value.
import { commonStatement } from "./common-statement";
import { Statement } from "./statement";

const UUID = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";

const MOODLE = {
  id: UUID,
  actor: {
    objectType: "Agent",
    name: "Anna de Vries",
    account: { homePage: "https://moodle.example.test", name: "2" },
  },
  verb: {
    id: "http://adlnet.gov/expapi/verbs/completed",
    display: { en: "completed" },
  },
  object: {
    objectType: "Activity",
    id: "https://moodle.example.test/course/view.php?id=7",
    definition: {
      type: "http://adlnet.gov/expapi/activities/course",
      name: { en: "Feedback that lands", "nl-NL": "Feedback die landt" },
      description: { en: "A course" },
      moreInfo: "https://moodle.example.test/course/view.php?id=7",
      extensions: { "https://moodle.example.test/ext/x": { a: [1, null] } },
    },
  },
  result: {
    score: { scaled: 0.8, raw: 8, min: 0, max: 10 },
    success: true,
    completion: true,
    response: "yes",
    duration: "PT1H30M",
    extensions: { "https://example.test/ext/attempt": 2 },
  },
  context: {
    registration: "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    contextActivities: {
      parent: [{ id: "https://moodle.example.test/course/view.php?id=1" }],
      grouping: { id: "https://moodle.example.test/category/3" },
      category: [
        {
          id: "https://moodle.example.test",
          definition: { type: "http://id.tincanapi.com/activitytype/lms" },
        },
      ],
    },
    platform: "Moodle",
    revision: "2",
    language: "nl-NL",
    extensions: { "http://lrs.learninglocker.net/define/extensions/info": {} },
  },
  timestamp: "2026-05-04T12:00:00.000+02:00",
  version: "1.0.3",
};

const MINIMAL = {
  actor: { mbox: "mailto:anna@example.test" },
  verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
  object: { id: "https://lms.example.test/page/1" },
};

const OTHER_IDENTIFIERS = [
  {
    ...MINIMAL,
    actor: { mbox_sha1sum: "ad1c1b5a7c3f4e2d9b8a7c6d5e4f3a2b1c0d9e8f" },
  },
  {
    ...MINIMAL,
    actor: { objectType: "Agent", openid: "https://openid.example.test/anna" },
  },
];

/** Wrong or unusual values to put in place of each property in turn. */
const REPLACEMENTS: unknown[] = [
  undefined,
  null,
  0,
  -2,
  2,
  1.5,
  Number.NaN,
  true,
  "",
  " ",
  "x",
  "not an iri",
  "mailto:anna",
  "http://",
  "http://adlnet.gov/expapi/verbs/voided",
  "Agent",
  "Group",
  "Activity",
  "StatementRef",
  "SubStatement",
  "3f2b8c1e-5d4a-4e6b-1c7d-1a2b3c4d5e6f",
  "2026-13-01T00:00:00Z",
  "2026-05-04T10:00:00-00:00",
  "P",
  "PT",
  "2.0.0",
  "1.1",
  "en-US",
  "und-x",
  [],
  [{}],
  {},
  { id: "https://lms.example.test/x" },
  { "en-US": 1 },
  { "not a tag": "x" },
];

/** Every path to a property (and to each array item) of a JSON value. */
function paths(
  value: unknown,
  prefix: (string | number)[] = [],
): (string | number)[][] {
  if (typeof value !== "object" || value === null) return [];
  const out: (string | number)[][] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(path, ...paths(child, path));
  }
  return out;
}

/** A deep copy of `value` with the property at `path` set to `replacement` (removed if undefined). */
function replaced(
  value: unknown,
  path: (string | number)[],
  replacement: unknown,
): unknown {
  const copy: unknown = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1))
    parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) ?? "";
  if (replacement === undefined && !Array.isArray(parent))
    Reflect.deleteProperty(parent, last);
  else parent[last] = replacement;
  return copy;
}

function expectSameAsSchema(input: unknown): "fast" | "schema" {
  const fast = commonStatement(input);
  const parsed = Statement.safeParse(input);
  if (fast === undefined) return "schema";
  expect(parsed.success).toBe(true);
  expect(fast).toStrictEqual(parsed.data);
  return "fast";
}

describe("commonStatement", () => {
  it.each([
    ["a Moodle statement with everything common", MOODLE],
    ["a minimal statement", MINIMAL],
    ["an mbox_sha1sum actor", OTHER_IDENTIFIERS[0]],
    ["an openid actor", OTHER_IDENTIFIERS[1]],
  ])("takes %s, with the schema's output", (_name, statement) => {
    expect(expectSameAsSchema(statement)).toBe("fast");
  });

  it("leaves the uncommon shapes to the schema", () => {
    for (const statement of [
      { ...MINIMAL, object: { objectType: "StatementRef", id: UUID } },
      { ...MINIMAL, actor: { objectType: "Group", member: [MINIMAL.actor] } },
      { ...MINIMAL, stored: "2026-05-04T10:00:00Z" },
      { ...MINIMAL, authority: MINIMAL.actor },
      { ...MINIMAL, context: { instructor: MINIMAL.actor } },
      {
        ...MINIMAL,
        object: {
          id: "https://lms.example.test/q/1",
          definition: {
            interactionType: "true-false",
            correctResponsesPattern: ["true"],
          },
        },
      },
    ])
      expect(commonStatement(statement)).toBeUndefined();
  });

  it("agrees with the schema on every one-property change of a common statement", () => {
    let checked = 0;
    let taken = 0;
    for (const base of [MOODLE, MINIMAL, ...OTHER_IDENTIFIERS]) {
      for (const path of paths(base)) {
        for (const replacement of REPLACEMENTS) {
          if (expectSameAsSchema(replaced(base, path, replacement)) === "fast")
            taken += 1;
          checked += 1;
        }
        // An unknown property next to this one.
        if (typeof path.at(-1) === "string")
          expectSameAsSchema(
            replaced(base, [...path.slice(0, -1), "Extra"], "x"),
          );
      }
    }
    expect(checked).toBeGreaterThan(2_000);
    // Some changes keep a statement valid (another name, a removed optional property).
    expect(taken).toBeGreaterThan(50);
  });

  it("refuses nothing itself: a statement that is not an object is the schema's to refuse", () => {
    for (const input of [null, "statement", 1, [], [MINIMAL]])
      expect(commonStatement(input)).toBeUndefined();
  });
});
