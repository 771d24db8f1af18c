import {
  answerStatement,
  answerStatementId,
  BEKLIJF_EXTENSIONS,
} from "./answer-statement";

const trigger = {
  id: "0b7e2f0e-8c55-4a55-9b8e-6f1f4f3f1a10",
  statement: {
    actor: { mbox: "mailto:anna@example.test" },
    verb: { id: "http://adlnet.gov/expapi/verbs/completed" },
    object: {
      id: "https://lms.example.test/course/7",
      definition: { type: "https://w3id.org/xapi/cmi5/activitytype/course" },
    },
    context: { registration: "5d1a4b1c-9c1e-4c58-8d5e-2a0f0a9b7c11" },
  },
};
const answerId = "8f5a3c2e-1d4b-4e6f-9a8b-7c6d5e4f3a21";

describe("answerStatement", () => {
  it("reports a reflection with its level, text, trigger and registration", () => {
    const built = answerStatement({
      answerId,
      kind: "reflection",
      value: { level: 3, text: "Ik plan mijn dag anders." },
      answeredAt: new Date("2026-03-01T10:00:00Z"),
      actor: { mbox: "mailto:anna@example.test" },
      trigger,
    });
    if (!built.ok) throw new Error(JSON.stringify(built.error));
    expect(built.value).toMatchObject({
      id: answerStatementId(answerId),
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: "https://lms.example.test/course/7" },
      result: {
        response: "Ik plan mijn dag anders.",
        extensions: { [BEKLIJF_EXTENSIONS.valueLevel]: 3 },
      },
      context: {
        registration: trigger.statement.context.registration,
        statement: { objectType: "StatementRef", id: trigger.id },
        extensions: { [BEKLIJF_EXTENSIONS.answerKind]: "reflection" },
      },
      timestamp: "2026-03-01T10:00:00.000Z",
    });
  });

  it("gives the same answer the same statement id every time", () => {
    expect(answerStatementId(answerId)).toBe(
      answerStatementId(answerId.toUpperCase()),
    );
    expect(answerStatementId(answerId)).not.toBe(
      answerStatementId("9f5a3c2e-1d4b-4e6f-9a8b-7c6d5e4f3a21"),
    );
  });

  it.each([
    ["applied", { status: "applied" }, true],
    ["applied", { status: "not-yet" }, false],
  ])("reports %s %j with completion %s", (kind, value, completion) => {
    const built = answerStatement({
      answerId,
      kind,
      value,
      answeredAt: new Date(),
      actor: { mbox: "mailto:anna@example.test" },
      trigger,
    });
    expect(built.ok && built.value.result?.completion).toBe(completion);
  });

  it("uses Activity Streams' confirm for a manager's confirmation", () => {
    const built = answerStatement({
      answerId,
      kind: "manager-confirmed",
      value: {},
      answeredAt: new Date(),
      actor: { mbox: "mailto:manager@example.test" },
      trigger,
    });
    expect(built.ok && built.value.verb.id).toBe(
      "http://activitystrea.ms/schema/1.0/confirm",
    );
  });

  it("refuses to build a statement without a valid actor", () => {
    const built = answerStatement({
      answerId,
      kind: "reflection",
      value: { level: 1 },
      answeredAt: new Date(),
      actor: undefined,
      trigger,
    });
    expect(built.ok).toBe(false);
  });
});
