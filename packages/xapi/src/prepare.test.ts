import {
  type Clock,
  createManualClock,
  createScaledClock,
  isUuid,
} from "@beklijf/core";

import type { Actor } from "./actor";
import {
  actorKey,
  batchValidationError,
  pickLanguage,
  type PreparedStatement,
  prepareStatement,
  prepareStatements,
  statementContentHash,
} from "./prepare";
import { Statement } from "./statement";

const NOW = new Date("2026-05-04T10:00:05.000Z");
const UUID = "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f";
const REGISTRATION = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/** A Moodle-shaped completion without an id; each case changes one part of it. */
function aCompletion(
  patch: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    actor: {
      objectType: "Agent",
      name: "Anna de Vries",
      mbox: "mailto:Anna@Example.NL",
    },
    verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
    object: {
      objectType: "Activity",
      id: "https://lms.example.nl/course/view.php?id=7",
      definition: {
        type: "https://w3id.org/xapi/cmi5/activitytype/course",
        name: { "nl-NL": "Feedback geven" },
      },
    },
    result: { completion: true },
    context: { registration: REGISTRATION.toUpperCase() },
    timestamp: "2026-05-04T10:00:00Z",
    ...patch,
  };
}

function prepared(
  input: unknown,
  clock: Clock = createManualClock(NOW),
): PreparedStatement {
  const result = prepareStatement(input, { clock });
  if (!result.ok)
    throw new Error(
      `expected a valid statement, got ${JSON.stringify(result.error)}`,
    );
  return result.value;
}

function containing(fragment: string): unknown {
  return expect.stringContaining(fragment);
}

function parsed(input: unknown): Statement {
  return Statement.parse(input);
}

function parsedActor(input: unknown): Actor {
  return parsed(aCompletion({ actor: input })).actor;
}

describe("prepareStatement", () => {
  describe("when the statement has no id", () => {
    it("derives a version-5 UUID from the content", () => {
      const statement = prepared(aCompletion());
      expect(isUuid(statement.id)).toBe(true);
      expect(statement.id[14]).toBe("5");
      expect(statement.idGiven).toBe(false);
      expect(statement.statement.id).toBe(statement.id);
    });

    it("derives the same id from the same content, whenever it arrives", () => {
      const first = prepared(aCompletion(), createManualClock(NOW));
      const second = prepared(
        aCompletion(),
        createManualClock(new Date("2026-05-09T08:00:00Z")),
      );
      expect(second.id).toBe(first.id);
    });

    it("derives the same id when only the notation of the timestamp differs", () => {
      expect(
        prepared(aCompletion({ timestamp: "2026-05-04T12:00:00+02:00" })).id,
      ).toBe(prepared(aCompletion()).id);
    });

    it.each([
      ["another timestamp", { timestamp: "2026-05-04T10:00:01Z" }],
      [
        "another verb",
        { verb: { id: "http://adlnet.gov/expapi/verbs/passed" } },
      ],
      ["another learner", { actor: { mbox: "mailto:bob@example.nl" } }],
      ["another result", { result: { completion: true, success: true } }],
    ])("derives another id from %s", (_label, patch) => {
      expect(prepared(aCompletion(patch)).id).not.toBe(
        prepared(aCompletion()).id,
      );
    });
  });

  describe("when the statement has an id", () => {
    it("keeps it, lower-cased", () => {
      const statement = prepared(aCompletion({ id: UUID.toUpperCase() }));
      expect(statement.id).toBe(UUID);
      expect(statement.idGiven).toBe(true);
      expect(statement.statement.id).toBe(UUID);
    });

    it("keeps the same content hash as without the id", () => {
      expect(prepared(aCompletion({ id: UUID })).contentHash).toBe(
        prepared(aCompletion()).contentHash,
      );
    });
  });

  describe("when an authority is given", () => {
    const authority = {
      objectType: "Agent" as const,
      account: { homePage: "https://lrs.example.nl/xapi", name: "moodle" },
    };
    const claimed = {
      objectType: "Agent",
      mbox: "mailto:someone@else.example",
    };

    it("replaces the authority the client claimed, and keeps the id and content hash", () => {
      const result = prepareStatement(aCompletion({ authority: claimed }), {
        clock: createManualClock(NOW),
        authority,
      });
      if (!result.ok) throw new Error(JSON.stringify(result.error));
      const plain = prepared(aCompletion());
      expect(result.value.statement.authority).toEqual(authority);
      expect(result.value.id).toBe(plain.id);
      expect(result.value.contentHash).toBe(plain.contentHash);
    });
  });

  describe("when the statement is invalid", () => {
    it("returns the issues with their paths instead of throwing", () => {
      const result = prepareStatement(
        aCompletion({
          verb: { id: "completed" },
          context: { registration: "r-1" },
        }),
        { clock: createManualClock(NOW) },
      );
      if (result.ok) throw new Error("expected the statement to be rejected");
      expect(result.error).toContainEqual({
        path: ["verb", "id"],
        message: containing("must be an IRI"),
      });
      expect(result.error).toContainEqual({
        path: ["context", "registration"],
        message: containing("must be a UUID"),
      });
    });
  });

  describe("times", () => {
    it("stores at the clock's now and keeps the statement's timestamp on a manual clock", () => {
      const statement = prepared(aCompletion(), createManualClock(NOW));
      expect(statement.stored).toEqual(NOW);
      expect(statement.timestamp).toEqual(new Date("2026-05-04T10:00:00Z"));
      expect(statement.statement.stored).toBe(NOW.toISOString());
      expect(statement.statement.timestamp).toBe("2026-05-04T10:00:00Z");
    });

    it("uses the stored time as timestamp when the statement has none", () => {
      const statement = prepared(aCompletion({ timestamp: undefined }));
      expect(statement.timestamp).toEqual(NOW);
      expect(statement.statement.timestamp).toBe(NOW.toISOString());
    });

    it("maps the timestamp into clock time on a scaled clock", () => {
      const originMs = Date.parse("2026-05-04T09:00:00Z");
      const realNowMs = Date.parse("2026-05-04T10:00:05Z");
      const clock = createScaledClock({
        scale: 100,
        originMs,
        realNow: () => realNowMs,
      });
      const statement = prepared(aCompletion(), clock);
      // One real hour after the origin is a hundred clock hours after it.
      expect(statement.timestamp).toEqual(new Date(originMs + 100 * 3_600_000));
      expect(statement.stored).toEqual(clock.now());
      expect(statement.stored.getTime()).toBe(originMs + 100 * 3_605_000);
    });
  });

  describe("derived fields", () => {
    it("lower-cases the email, takes the activity type and lower-cases the registration", () => {
      const statement = prepared(aCompletion());
      expect(statement).toMatchObject({
        actorKey: "mbox:mailto:anna@example.nl",
        actorEmail: "anna@example.nl",
        actorName: "Anna de Vries",
        verbId: "http://adlnet.gov/expapi/verbs/completed",
        objectId: "https://lms.example.nl/course/view.php?id=7",
        activityType: "https://w3id.org/xapi/cmi5/activitytype/course",
        registration: REGISTRATION,
      });
      expect(statement.statement.version).toBe("1.0.0");
    });

    it.each([
      [
        "an activity without a definition",
        { id: "https://lms.example.nl/course/7" },
        "https://lms.example.nl/course/7",
        undefined,
      ],
      [
        "a StatementRef",
        { objectType: "StatementRef", id: UUID },
        UUID,
        undefined,
      ],
      [
        "an Agent",
        { objectType: "Agent", mbox: "mailto:Bob@Example.NL" },
        "mbox:mailto:bob@example.nl",
        undefined,
      ],
    ])(
      "takes the object id of %s",
      (_label, object, objectId, activityType) => {
        expect(prepared(aCompletion({ object }))).toMatchObject({
          objectId,
          activityType,
        });
      },
    );

    it("has no email for an actor known only by account", () => {
      expect(
        prepared(
          aCompletion({
            actor: {
              account: { homePage: "https://lms.example.nl", name: "anna" },
            },
          }),
        ).actorEmail,
      ).toBeUndefined();
    });

    it("keeps a version the client sent", () => {
      expect(
        prepared(aCompletion({ version: "2.0.0" })).statement.version,
      ).toBe("2.0.0");
    });
  });
});

describe("statementContentHash", () => {
  const base = statementContentHash(parsed(aCompletion()));

  it.each([
    ["an id", { id: UUID }],
    ["a stored time", { stored: "2026-05-04T10:00:09Z" }],
    ["an authority", { authority: { mbox: "mailto:lrs@example.nl" } }],
    ["a version", { version: "1.0.3" }],
    [
      "an mbox in other case",
      {
        actor: {
          objectType: "Agent",
          name: "Anna de Vries",
          mbox: "mailto:anna@example.nl",
        },
      },
    ],
    [
      "the same instant in another offset",
      { timestamp: "2026-05-04T12:00:00+02:00" },
    ],
    [
      "the keys in another order",
      {
        actor: {
          mbox: "mailto:Anna@Example.NL",
          name: "Anna de Vries",
          objectType: "Agent",
        },
      },
    ],
  ])("ignores %s", (_label, patch) => {
    expect(statementContentHash(parsed(aCompletion(patch)))).toBe(base);
  });

  it.each([
    ["the timestamp", { timestamp: "2026-05-04T10:00:01Z" }],
    [
      "the actor's name",
      {
        actor: {
          objectType: "Agent",
          name: "Anna",
          mbox: "mailto:Anna@Example.NL",
        },
      },
    ],
    ["the object", { object: { id: "https://lms.example.nl/course/8" } }],
    ["the result", { result: { completion: false } }],
  ])("changes with %s", (_label, patch) => {
    expect(statementContentHash(parsed(aCompletion(patch)))).not.toBe(base);
  });
});

describe("actorKey", () => {
  it.each([
    [
      "an mbox, lower-cased",
      { mbox: "mailto:Anna@Example.NL" },
      "mbox:mailto:anna@example.nl",
    ],
    [
      "an mbox_sha1sum, lower-cased",
      { mbox_sha1sum: "AD1C1B5A7C3F4E2D9B8A7C6D5E4F3A2B1C0D9E8F" },
      "mbox_sha1sum:ad1c1b5a7c3f4e2d9b8a7c6d5e4f3a2b1c0d9e8f",
    ],
    [
      "an openid, as sent",
      { openid: "https://id.example.nl/Anna" },
      "openid:https://id.example.nl/Anna",
    ],
    [
      "an account",
      { account: { homePage: "https://lms.example.nl", name: "anna" } },
      "account:https://lms.example.nl|anna",
    ],
    [
      "an identified Group",
      { objectType: "Group", mbox: "mailto:Team@Example.NL" },
      "mbox:mailto:team@example.nl",
    ],
    [
      "an anonymous Group",
      { objectType: "Group", member: [{ mbox: "mailto:anna@example.nl" }] },
      "group:anonymous",
    ],
  ])("keys %s", (_label, actor, expected) => {
    expect(actorKey(parsedActor(actor))).toBe(expected);
  });
});

describe("pickLanguage", () => {
  it.each<
    [
      label: string,
      map: Record<string, string> | undefined,
      locale: string,
      expected: string | undefined,
    ]
  >([
    [
      "the exact tag",
      { "nl-NL": "Nederland", "nl-BE": "België", "en-US": "English" },
      "nl-BE",
      "België",
    ],
    [
      "the exact tag in any case",
      { "nl-NL": "Nederland", "en-US": "English" },
      "NL-nl",
      "Nederland",
    ],
    [
      "the base language for a bare locale",
      { "en-US": "English", "nl-NL": "Nederlands" },
      "nl",
      "Nederlands",
    ],
    [
      "the base language for another region",
      { "en-US": "English", "nl-NL": "Nederlands" },
      "nl-BE",
      "Nederlands",
    ],
    [
      "English when the language is missing",
      { "de-DE": "Deutsch", "en-GB": "English" },
      "nl",
      "English",
    ],
    [
      "the first entry when neither is there",
      { "de-DE": "Deutsch", "fr-FR": "Français" },
      "nl",
      "Deutsch",
    ],
    ["nothing from an empty map", {}, "nl", undefined],
    ["nothing without a map", undefined, "nl", undefined],
  ])("picks %s", (_label, map, locale, expected) => {
    expect(pickLanguage(map, locale)).toBe(expected);
  });
});

describe("prepareStatements", () => {
  const clock = createManualClock(new Date("2026-05-04T10:00:00Z"));
  const valid = {
    actor: { mbox: "mailto:anna@example.test" },
    verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
    object: { id: "https://lms.example.test/course/1" },
  };

  it("accepts one statement or a batch", () => {
    expect(prepareStatements(valid, { clock })).toMatchObject({
      ok: true,
      value: [{ verbId: valid.verb.id }],
    });
    const batch = prepareStatements(
      [
        valid,
        { ...valid, object: { id: "https://lms.example.test/course/2" } },
      ],
      { clock },
    );
    expect(batch.ok && batch.value.map((s) => s.objectId)).toEqual([
      "https://lms.example.test/course/1",
      "https://lms.example.test/course/2",
    ]);
  });

  it("refuses an empty batch", () => {
    expect(prepareStatements([], { clock })).toEqual({
      ok: false,
      error: { kind: "empty" },
    });
    expect(batchValidationError({ kind: "empty" }).code).toBe(
      "STATEMENTS_EMPTY",
    );
  });

  it("refuses a batch whole, with each problem's path starting at its index", () => {
    const result = prepareStatements(
      [valid, { ...valid, verb: { id: "completed" } }],
      { clock },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      kind: "invalid",
      batch: true,
      issues: [{ path: [1, "verb", "id"] }],
    });
    const error = batchValidationError(result.error);
    expect(error.code).toBe("STATEMENT_INVALID");
    expect(error.message).toMatch(
      /^The batch was refused as a whole: 1 problem\(s\)\. First problem at 1\.verb\.id: must be an IRI/,
    );
  });

  it("names paths without an index for a single statement", () => {
    const result = prepareStatements(
      { ...valid, verb: { id: "completed" } },
      { clock },
    );
    expect(!result.ok && result.error).toMatchObject({
      kind: "invalid",
      batch: false,
      issues: [{ path: ["verb", "id"] }],
    });
  });
});
