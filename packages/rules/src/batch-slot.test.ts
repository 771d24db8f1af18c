import { DateTime } from "luxon";

import { nextBatchSlot } from "./batch-slot";
import { planStatement } from "./plan-nudges";
import type { PriorNudge } from "./plan-proposal";
import { DEFAULT_POLICY } from "./policy";
import { Rule } from "./rule";

const AMS = "Europe/Amsterdam";
const local = (iso: string) => DateTime.fromISO(iso, { zone: AMS });
const monday9 = { weekday: "mon", at: "09:00" } as const;

describe("nextBatchSlot", () => {
  it.each([
    ["2026-03-02T09:00", "2026-03-02T09:00"], // Monday at the slot: that slot
    ["2026-03-02T09:01", "2026-03-09T09:00"], // just after: next week's
    ["2026-03-02T07:00", "2026-03-02T09:00"], // Monday morning before it
    ["2026-03-04T15:30", "2026-03-09T09:00"], // Wednesday
    ["2026-03-08T23:59", "2026-03-09T09:00"], // Sunday night
    // Across the change to summer time (29 Mar 2026): still 09:00 local.
    ["2026-03-27T10:00", "2026-03-30T09:00"],
  ])("maps %s to %s", (from, slot) => {
    expect(nextBatchSlot(local(from), monday9).toISO()).toBe(
      local(slot).toISO(),
    );
  });
});

describe("a batched team-lead step", () => {
  const rule = Rule.parse({
    key: "after-training",
    name: "after",
    trigger: { verbs: ["http://adlnet.gov/expapi/verbs/completed"] },
    steps: [
      {
        key: "team-agenda",
        offset: "P30D",
        recipient: "team-lead",
        template: "team-agenda",
        batch: { weekday: "tue", at: "09:00" },
        why: "The team lead puts it on the team meeting's agenda.",
      },
    ],
  });
  const refs = [{ ruleId: "r", ruleVersionId: "v1", rule }];
  const plan = (learnerId: string, iso: string, prior: PriorNudge[]) =>
    planStatement({
      facts: {
        statementId: `s-${learnerId}`,
        verbId: "http://adlnet.gov/expapi/verbs/completed",
        objectId: `https://lms.example/course/${learnerId}`,
        activityType: undefined,
        registration: undefined,
        timestamp: local(iso).toJSDate(),
      },
      learnerId,
      rules: refs,
      person: { timeZone: AMS, teamLead: { id: "tom", timeZone: AMS } },
      history: { nudges: prior },
      policy: DEFAULT_POLICY,
    }).proposals[0];
  const tuesday14Apr = local("2026-04-14T09:00").toUTC().toISO();

  it("gives two learners of one team lead, completing on different days of a week, one email slot", () => {
    // Tue 10 Mar and Fri 13 Mar: 30 days later is Thu 9 Apr and Sun 12 Apr.
    const first = plan("anna", "2026-03-10T10:00", [])?.steps[0];
    if (first === undefined) throw new Error("nothing planned for anna");
    const second = plan("bram", "2026-03-13T17:00", [
      { recipientId: "tom", dueAt: first.dueAt, status: "planned" },
    ]);
    const step = second?.steps[0];
    expect(first.dueAt.toISOString()).toBe(tuesday14Apr);
    expect(step?.dueAt.toISOString()).toBe(tuesday14Apr);
    // The same recipient and dueAt: one email, and the planner says so.
    expect(step?.mergeKey).toBe(first.mergeKey);
    expect(second?.decisions).toContainEqual(
      expect.objectContaining({ kind: "merged", stepKey: "team-agenda" }),
    );
  });

  it("moves a step whose own time is after this week's slot to next week's", () => {
    // Sun 8 Mar + 30 days = Tue 7 Apr 10:00, an hour after that Tuesday's slot.
    expect(
      plan("cas", "2026-03-08T10:00", [])?.steps[0]?.dueAt.toISOString(),
    ).toBe(tuesday14Apr);
  });
});
