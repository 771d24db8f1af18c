// Statement comparison (Data 2.3.1): what may differ between two statements with one id without
// making them different statements (a repeat is a no-op), and what may not (a 409).
import { statementContentHash } from "./prepare";
import { Statement } from "./statement";

const UUID = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";
const ANNA = { objectType: "Agent", mbox: "mailto:anna@example.com" };
const BOB = { mbox: "mailto:bob@example.com" };
const COURSE = {
  objectType: "Activity",
  id: "https://lms.example.com/course/7",
  definition: {
    type: "https://w3id.org/xapi/cmi5/activitytype/course",
    name: { "nl-NL": "Feedback geven" },
  },
};
const PROGRAMME = { id: "https://lms.example.com/programme/1" };

function aStatement(
  patch: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    actor: { objectType: "Group", member: [ANNA, BOB] },
    verb: {
      id: "http://adlnet.gov/expapi/verbs/completed",
      display: { "en-US": "completed" },
    },
    object: COURSE,
    result: { completion: true, duration: "PT1H2M3.45S" },
    context: {
      registration: UUID,
      instructor: BOB,
      contextActivities: { parent: [PROGRAMME] },
      statement: { objectType: "StatementRef", id: UUID },
    },
    timestamp: "2026-05-04T10:00:00.123Z",
    ...patch,
  };
}

function hashOf(statement: unknown): string {
  return statementContentHash(Statement.parse(statement));
}

describe("statementContentHash", () => {
  const base = hashOf(aStatement());

  it.each<[label: string, patch: Record<string, unknown>]>([
    [
      "the order of a Group's members",
      { actor: { objectType: "Group", member: [BOB, ANNA] } },
    ],
    [
      "a single contextActivities Activity against an array of one",
      {
        context: {
          registration: UUID,
          instructor: BOB,
          contextActivities: { parent: PROGRAMME },
          statement: { objectType: "StatementRef", id: UUID },
        },
      },
    ],
    [
      "the case of a registration and a StatementRef id",
      {
        context: {
          registration: UUID.toUpperCase(),
          instructor: { objectType: "Agent", mbox: "mailto:Bob@Example.com" },
          contextActivities: {
            parent: [{ objectType: "Activity", ...PROGRAMME }],
          },
          statement: { objectType: "StatementRef", id: UUID.toUpperCase() },
        },
      },
    ],
    [
      "the Activity Definition, which is not part of the statement",
      {
        object: { ...COURSE, definition: { name: { en: "Giving feedback" } } },
      },
    ],
    ["an Activity's objectType left out", { object: { id: COURSE.id } }],
    [
      "the verb's display, which is not part of the statement",
      { verb: { id: "http://adlnet.gov/expapi/verbs/completed" } },
    ],
    [
      "the timestamp in the basic format",
      { timestamp: "20260504T120000.123+0200" },
    ],
    [
      "timestamp digits beyond the millisecond",
      { timestamp: "2026-05-04T10:00:00.1234567Z" },
    ],
    [
      "duration precision beyond 0.01 s",
      { result: { completion: true, duration: "PT1H2M3.4567S" } },
    ],
    ["the id", { id: UUID }],
    ["the stored time", { stored: "2026-05-05T00:00:00Z" }],
    ["the version", { version: "1.0.3" }],
    ["the authority", { authority: { mbox: "mailto:lrs@example.com" } }],
  ])("ignores %s", (_label, patch) => {
    expect(hashOf(aStatement(patch))).toBe(base);
  });

  it.each<[label: string, patch: Record<string, unknown>]>([
    ["another member", { actor: { objectType: "Group", member: [ANNA] } }],
    [
      "another Activity id",
      { object: { ...COURSE, id: "https://lms.example.com/course/8" } },
    ],
    ["another verb", { verb: { id: "http://adlnet.gov/expapi/verbs/passed" } }],
    ["another instant", { timestamp: "2026-05-04T10:00:00.124Z" }],
    [
      "another duration notation",
      { result: { completion: true, duration: "PT3723.45S" } },
    ],
    [
      "another result",
      { result: { completion: false, duration: "PT1H2M3.45S" } },
    ],
    [
      "another contextActivities parent",
      {
        context: {
          registration: UUID,
          instructor: BOB,
          contextActivities: {
            parent: [{ id: "https://lms.example.com/programme/2" }],
          },
          statement: { objectType: "StatementRef", id: UUID },
        },
      },
    ],
    [
      "an attachment",
      {
        attachments: [
          {
            usageType: "http://example.com/attachment-usage/test",
            display: { "en-US": "A test attachment" },
            contentType: "text/plain",
            length: 27,
            sha2: "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a",
            fileUrl: "http://over.there.com/file.txt",
          },
        ],
      },
    ],
  ])("changes with %s", (_label, patch) => {
    expect(hashOf(aStatement(patch))).not.toBe(base);
  });
});
