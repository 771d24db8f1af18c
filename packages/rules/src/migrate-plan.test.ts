import { type MigratingNudge, planMigration } from "./migrate-plan";
import { DEFAULT_POLICY } from "./policy";
import { Rule } from "./rule";

const COMPLETED = "http://adlnet.gov/expapi/verbs/completed";
// Completed Tue 3 Mar 2026, 10:00 in Amsterdam; we migrate on Fri 6 Mar, 09:00 UTC.
const trigger = new Date("2026-03-03T09:00:00Z");
const now = new Date("2026-03-06T09:00:00Z");

const ruleWith = (steps: [string, string, string?][]) =>
  Rule.parse({
    key: "r",
    name: "r",
    trigger: { verbs: [COMPLETED] },
    steps: steps.map(([key, offset, template]) => ({
      key,
      offset,
      recipient: "learner",
      template: template ?? key,
      why: `why ${key}`,
    })),
  });

const row = (
  stepKey: string,
  status: string,
  dueAt: string,
): MigratingNudge => ({
  id: `n-${stepKey}`,
  stepKey,
  status,
  dueAt: new Date(dueAt),
  recipientId: "anna",
  template: stepKey,
});

function migrate(
  from: Rule,
  to: Rule,
  nudges: MigratingNudge[],
): [string, string, string][] {
  return planMigration({
    facts: {
      statementId: "s1",
      verbId: COMPLETED,
      objectId: "https://lms.example/course/1",
      activityType: undefined,
      registration: undefined,
      timestamp: trigger,
    },
    learnerId: "anna",
    entryKey: "r|anna|activity:c1",
    from,
    to: { ruleId: "r", ruleVersionId: "v2", rule: to },
    toVersion: 2,
    nudges,
    person: { timeZone: "Europe/Amsterdam" },
    otherNudges: [],
    answers: [],
    policy: DEFAULT_POLICY,
    now,
  }).map((change) => [
    change.kind,
    change.stepKey,
    change.kind === "moved" || change.kind === "added"
      ? change.planned.dueAt.toISOString()
      : change.kind === "kept"
        ? (change.note ?? "")
        : change.reason,
  ]);
}

describe("planMigration", () => {
  const v1 = ruleWith([
    ["commit", "PT4H"],
    ["retrieve", "P4D"],
    ["reflect", "P7D"],
  ]);
  const rows = [
    row("commit", "handed-off", "2026-03-03T13:00:00Z"),
    row("retrieve", "planned", "2026-03-09T07:00:00Z"),
    row("reflect", "planned", "2026-03-10T09:00:00Z"),
  ];

  it("leaves a sent step alone even when the new version changes it", () => {
    const v2 = ruleWith([
      ["commit", "PT1H", "commit-short"],
      ["retrieve", "P4D"],
      ["reflect", "P7D"],
    ]);
    expect(migrate(v1, v2, rows)).toEqual([
      ["kept", "retrieve", ""],
      ["kept", "reflect", ""],
    ]);
  });

  it("keeps a changed step at its planned time when its new time has passed", () => {
    const v2 = ruleWith([
      ["commit", "PT4H"],
      ["retrieve", "P2D"], // Thu 5 Mar: before now
      ["reflect", "P8D"], // Wed 11 Mar: still to come
    ]);
    expect(migrate(v1, v2, rows)).toEqual([
      [
        "kept",
        "retrieve",
        "its time under version 2 of r has passed; it stays at its planned time",
      ],
      ["moved", "reflect", "2026-03-11T09:00:00.000Z"],
    ]);
  });

  it("re-plans a step whose template changed, and cancels one the new version dropped", () => {
    const v2 = ruleWith([
      ["commit", "PT4H"],
      ["reflect", "P7D", "reflect-v2"],
    ]);
    expect(migrate(v1, v2, rows)).toEqual([
      [
        "cancelled",
        "retrieve",
        'cancelled: version 2 of r has no step "retrieve"',
      ],
      ["moved", "reflect", "2026-03-10T09:00:00.000Z"],
    ]);
  });

  it("adds a new step only while its time is still to come", () => {
    const v2 = ruleWith([
      ["commit", "PT4H"],
      ["early", "P1D"],
      ["retrieve", "P4D"],
      ["reflect", "P7D"],
      ["late", "P30D"],
    ]);
    expect(migrate(v1, v2, rows)).toEqual([
      ["kept", "retrieve", ""],
      ["kept", "reflect", ""],
      [
        "skipped",
        "early",
        "not planned: added in version 2 of r after its time had passed",
      ],
      ["added", "late", "2026-04-02T08:00:00.000Z"],
    ]);
  });

  it("changes nothing for a plan already on the new version's steps", () => {
    expect(migrate(v1, v1, rows)).toEqual([
      ["kept", "retrieve", ""],
      ["kept", "reflect", ""],
    ]);
  });
});
