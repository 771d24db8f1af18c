import { Statement } from "./statement";

/** A minimal valid statement; each case below changes one part of it. */
const VALID = {
  actor: {
    objectType: "Agent",
    name: "Anna de Vries",
    mbox: "mailto:anna@example.nl",
  },
  verb: {
    id: "http://adlnet.gov/expapi/verbs/completed",
    display: { "nl-NL": "voltooide" },
  },
  object: {
    objectType: "Activity",
    id: "https://lms.example.nl/course/view.php?id=7",
  },
} as const;

const UUID = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";
const SHA1 = "ad1c1b5a7c3f4e2d9b8a7c6d5e4f3a2b1c0d9e8f";

function statementWith(
  patch: Record<string, unknown>,
): Record<string, unknown> {
  return { ...VALID, ...patch };
}

function issuesOf(input: unknown): { path: PropertyKey[]; message: string }[] {
  const parsed = Statement.safeParse(input);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        path: issue.path,
        message: issue.message,
      }));
}

type Accepted = [label: string, statement: Record<string, unknown>];
type Rejected = [
  label: string,
  statement: Record<string, unknown>,
  path: PropertyKey[],
  messageFragment: string,
];

function expectAccepted(statement: Record<string, unknown>): void {
  expect(issuesOf(statement)).toEqual([]);
}

function expectRejected(
  statement: Record<string, unknown>,
  path: PropertyKey[],
  messageFragment: string,
): void {
  const message: unknown = expect.stringContaining(messageFragment);
  expect(issuesOf(statement)).toContainEqual({ path, message });
}

describe("Statement", () => {
  it("accepts the minimal statement the other cases start from", () => {
    expectAccepted(VALID);
  });

  describe("actor", () => {
    it.each<Accepted>([
      [
        "an Agent with an mbox",
        statementWith({ actor: { mbox: "mailto:anna@example.nl" } }),
      ],
      [
        "an Agent with an mbox_sha1sum",
        statementWith({ actor: { mbox_sha1sum: SHA1 } }),
      ],
      [
        "an Agent with an openid",
        statementWith({ actor: { openid: "https://id.example.nl/anna" } }),
      ],
      [
        "an Agent with an account",
        statementWith({
          actor: {
            account: { homePage: "https://lms.example.nl", name: "anna" },
          },
        }),
      ],
      [
        "an identified Group without members",
        statementWith({
          actor: { objectType: "Group", mbox: "mailto:team@example.nl" },
        }),
      ],
      [
        "an anonymous Group with members",
        statementWith({
          actor: {
            objectType: "Group",
            member: [{ mbox: "mailto:anna@example.nl" }],
          },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an Agent without an identifier",
        statementWith({ actor: { name: "Anna" } }),
        ["actor"],
        "exactly one of mbox",
      ],
      [
        "an Agent with two identifiers",
        statementWith({
          actor: {
            mbox: "mailto:anna@example.nl",
            openid: "https://id.example.nl/anna",
          },
        }),
        ["actor"],
        "exactly one of mbox",
      ],
      [
        "an mbox without mailto:",
        statementWith({ actor: { mbox: "anna@example.nl" } }),
        ["actor", "mbox"],
        "must be mailto:",
      ],
      [
        "an mbox_sha1sum that is no SHA-1",
        statementWith({ actor: { mbox_sha1sum: "abc123" } }),
        ["actor", "mbox_sha1sum"],
        "40-digit hex SHA-1",
      ],
      [
        "an openid that is no IRI",
        statementWith({ actor: { openid: "anna" } }),
        ["actor", "openid"],
        "must be an IRI",
      ],
      [
        "an account without homePage",
        statementWith({ actor: { account: { name: "anna" } } }),
        ["actor", "account", "homePage"],
        "expected string",
      ],
      [
        "an account with an empty name",
        statementWith({
          actor: { account: { homePage: "https://lms.example.nl", name: "" } },
        }),
        ["actor", "account", "name"],
        "must not be empty",
      ],
      [
        "an anonymous Group without members",
        statementWith({ actor: { objectType: "Group", name: "Team" } }),
        ["actor"],
        "anonymous Group must list its members",
      ],
      [
        "an anonymous Group with an empty member list",
        statementWith({ actor: { objectType: "Group", member: [] } }),
        ["actor"],
        "anonymous Group must list its members",
      ],
      [
        "a Group with two identifiers",
        statementWith({
          actor: {
            objectType: "Group",
            mbox: "mailto:team@example.nl",
            openid: "https://id.example.nl/team",
          },
        }),
        ["actor"],
        "at most one of mbox",
      ],
      [
        "a Group member without an identifier",
        statementWith({
          actor: { objectType: "Group", member: [{ name: "Anna" }] },
        }),
        ["actor", "member", 0],
        "exactly one of mbox",
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("verb", () => {
    it.each<Accepted>([
      [
        "a verb without display",
        statementWith({
          verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
        }),
      ],
      [
        "display keys nl-NL, en-US and nl",
        statementWith({
          verb: {
            id: VALID.verb.id,
            display: {
              "nl-NL": "voltooide",
              "en-US": "completed",
              nl: "voltooide",
            },
          },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a verb id that is no IRI",
        statementWith({ verb: { id: "completed" } }),
        ["verb", "id"],
        "must be an IRI",
      ],
      [
        "a display key that is no language tag",
        statementWith({
          verb: { id: VALID.verb.id, display: { "not a tag": "completed" } },
        }),
        ["verb", "display", "not a tag"],
        "RFC 5646 language tag",
      ],
      [
        "a display value that is no string",
        statementWith({ verb: { id: VALID.verb.id, display: { "en-US": 1 } } }),
        ["verb", "display", "en-US"],
        "expected string",
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("object", () => {
    it.each<Accepted>([
      [
        "an Activity without objectType",
        statementWith({ object: { id: "https://lms.example.nl/course/7" } }),
      ],
      [
        "an Activity with a definition",
        statementWith({
          object: {
            id: "https://lms.example.nl/course/7",
            definition: {
              type: "https://w3id.org/xapi/cmi5/activitytype/course",
              name: { "nl-NL": "Feedback geven" },
              extensions: { "https://example.nl/x": 1 },
            },
          },
        }),
      ],
      [
        "a StatementRef",
        statementWith({ object: { objectType: "StatementRef", id: UUID } }),
      ],
      [
        "an Agent",
        statementWith({
          object: { objectType: "Agent", mbox: "mailto:bob@example.nl" },
        }),
      ],
      [
        "an identified Group",
        statementWith({
          object: {
            objectType: "Group",
            account: { homePage: "https://lms.example.nl", name: "team-7" },
          },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an Activity id that is no IRI",
        statementWith({ object: { id: "course 7" } }),
        ["object", "id"],
        "must be an IRI",
      ],
      [
        "an Activity type that is no IRI",
        statementWith({
          object: {
            id: "https://lms.example.nl/course/7",
            definition: { type: "course" },
          },
        }),
        ["object", "definition", "type"],
        "must be an IRI",
      ],
      [
        "an Activity name key that is no language tag",
        statementWith({
          object: {
            id: "https://lms.example.nl/course/7",
            definition: { name: { "not a tag": "x" } },
          },
        }),
        ["object", "definition", "name", "not a tag"],
        "RFC 5646 language tag",
      ],
      [
        "a StatementRef whose id is no UUID",
        statementWith({
          object: { objectType: "StatementRef", id: "statement-1" },
        }),
        ["object", "id"],
        "must be a UUID",
      ],
      [
        "an Agent object without objectType (read as an Activity)",
        statementWith({ object: { mbox: "mailto:bob@example.nl" } }),
        ["object"],
        'Unrecognized key: "mbox"',
      ],
      [
        "an Agent object without an identifier",
        statementWith({ object: { objectType: "Agent", name: "Bob" } }),
        ["object"],
        "exactly one of mbox",
      ],
      [
        "an unknown objectType",
        statementWith({
          object: {
            objectType: "Course",
            id: "https://lms.example.nl/course/7",
          },
        }),
        ["object", "objectType"],
        "Invalid discriminator",
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("result", () => {
    it.each<Accepted>([
      ["scaled 1", statementWith({ result: { score: { scaled: 1 } } })],
      ["scaled -1", statementWith({ result: { score: { scaled: -1 } } })],
      [
        "raw between min and max",
        statementWith({ result: { score: { raw: 7, min: 0, max: 10 } } }),
      ],
      [
        "raw equal to min and max",
        statementWith({ result: { score: { raw: 5, min: 5, max: 5 } } }),
      ],
      [
        "raw with only a max",
        statementWith({ result: { score: { raw: 3, max: 10 } } }),
      ],
      ["duration PT1H30M", statementWith({ result: { duration: "PT1H30M" } })],
      [
        "duration P1DT0.5S",
        statementWith({ result: { duration: "P1DT0.5S" } }),
      ],
      [
        "success, completion and response",
        statementWith({
          result: { success: true, completion: true, response: "ja" },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "scaled above 1",
        statementWith({ result: { score: { scaled: 1.5 } } }),
        ["result", "score", "scaled"],
        "<=1",
      ],
      [
        "scaled below -1",
        statementWith({ result: { score: { scaled: -2 } } }),
        ["result", "score", "scaled"],
        ">=-1",
      ],
      [
        "raw above max",
        statementWith({ result: { score: { raw: 11, min: 0, max: 10 } } }),
        ["result", "score"],
        "raw must lie between min and max",
      ],
      [
        "raw below min",
        statementWith({ result: { score: { raw: -1, min: 0 } } }),
        ["result", "score"],
        "raw must lie between min and max",
      ],
      [
        "min above max",
        statementWith({ result: { score: { min: 10, max: 5 } } }),
        ["result", "score"],
        "min must not exceed max",
      ],
      [
        "duration 90 minutes",
        statementWith({ result: { duration: "90 minutes" } }),
        ["result", "duration"],
        "ISO 8601 duration",
      ],
      [
        "duration P without parts",
        statementWith({ result: { duration: "P" } }),
        ["result", "duration"],
        "ISO 8601 duration",
      ],
      [
        "duration PT without parts",
        statementWith({ result: { duration: "PT" } }),
        ["result", "duration"],
        "ISO 8601 duration",
      ],
      [
        "an unknown result property",
        statementWith({ result: { grade: "A" } }),
        ["result"],
        'Unrecognized key: "grade"',
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("context", () => {
    it.each<Accepted>([
      [
        "a registration UUID",
        statementWith({ context: { registration: UUID } }),
      ],
      [
        "an upper-case registration UUID",
        statementWith({ context: { registration: UUID.toUpperCase() } }),
      ],
      [
        "an instructor and a platform",
        statementWith({
          context: {
            instructor: { mbox: "mailto:coach@example.nl" },
            platform: "Moodle",
          },
        }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "a registration that is no UUID",
        statementWith({ context: { registration: "registration-1" } }),
        ["context", "registration"],
        "must be a UUID",
      ],
      [
        "an instructor without an identifier",
        statementWith({ context: { instructor: { name: "Coach" } } }),
        ["context", "instructor"],
        "exactly one of mbox",
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("timestamp", () => {
    it.each<Accepted>([
      ["UTC with Z", statementWith({ timestamp: "2026-05-04T10:00:00Z" })],
      [
        "fractional seconds",
        statementWith({ timestamp: "2026-05-04T10:00:00.123Z" }),
      ],
      [
        "an offset +02:00",
        statementWith({ timestamp: "2026-05-04T12:00:00+02:00" }),
      ],
      [
        "an offset +0200",
        statementWith({ timestamp: "2026-05-04T12:00:00+0200" }),
      ],
      [
        "an offset +00:00",
        statementWith({ timestamp: "2026-05-04T10:00:00+00:00" }),
      ],
      ["a leap day", statementWith({ timestamp: "2028-02-29T10:00:00Z" })],
      [
        "a stored time with a zone",
        statementWith({ stored: "2026-05-04T10:00:01Z" }),
      ],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "no zone",
        statementWith({ timestamp: "2026-05-04T10:00:00" }),
        ["timestamp"],
        "with a time zone",
      ],
      [
        "a date only",
        statementWith({ timestamp: "2026-05-04" }),
        ["timestamp"],
        "with a time zone",
      ],
      [
        "30 February",
        statementWith({ timestamp: "2026-02-30T10:00:00Z" }),
        ["timestamp"],
        "real date",
      ],
      [
        "29 February outside a leap year",
        statementWith({ timestamp: "2027-02-29T10:00:00Z" }),
        ["timestamp"],
        "real date",
      ],
      [
        "month 13",
        statementWith({ timestamp: "2026-13-01T10:00:00Z" }),
        ["timestamp"],
        "real date",
      ],
      [
        "minute 60",
        statementWith({ timestamp: "2026-05-04T10:60:00Z" }),
        ["timestamp"],
        "real date",
      ],
      [
        "the offset -00:00",
        statementWith({ timestamp: "2026-05-04T10:00:00-00:00" }),
        ["timestamp"],
        "-00:00",
      ],
      [
        "a stored time without a zone",
        statementWith({ stored: "2026-05-04T10:00:01" }),
        ["stored"],
        "with a time zone",
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("id and version", () => {
    it.each<Accepted>([
      ["a UUID id", statementWith({ id: UUID })],
      ["an upper-case UUID id", statementWith({ id: UUID.toUpperCase() })],
      ["version 1.0.3", statementWith({ version: "1.0.3" })],
      ["version 1.0", statementWith({ version: "1.0" })],
      ["version 2.0.0", statementWith({ version: "2.0.0" })],
    ])("accepts %s", (_label, statement) => {
      expectAccepted(statement);
    });

    it.each<Rejected>([
      [
        "an id that is no UUID",
        statementWith({ id: "statement-1" }),
        ["id"],
        "must be a UUID",
      ],
      [
        "an id with the wrong variant",
        statementWith({ id: "3f2b8c1e-5d4a-4e6b-1c7d-1a2b3c4d5e6f" }),
        ["id"],
        "must be a UUID",
      ],
      [
        "version 3.0",
        statementWith({ version: "3.0" }),
        ["version"],
        "xAPI version",
      ],
      [
        "version 1.1.0",
        statementWith({ version: "1.1.0" }),
        ["version"],
        "xAPI version",
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });

  describe("shape", () => {
    it.each<Rejected>([
      [
        "an unknown top-level property",
        statementWith({ grade: "A" }),
        [],
        'Unrecognized key: "grade"',
      ],
      [
        "a missing verb",
        { actor: VALID.actor, object: VALID.object },
        ["verb"],
        "expected object",
      ],
      [
        "an unknown verb property",
        statementWith({ verb: { id: VALID.verb.id, label: "x" } }),
        ["verb"],
        'Unrecognized key: "label"',
      ],
    ])("rejects %s", (_label, statement, path, messageFragment) => {
      expectRejected(statement, path, messageFragment);
    });
  });
});
