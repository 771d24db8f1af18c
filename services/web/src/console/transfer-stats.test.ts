import {
  newcombeInterval,
  summariseTransfer,
  transferCsv,
  type TransferFact,
  wilsonInterval,
} from "./transfer-stats";

const start = new Date("2026-03-02T09:00:00Z");
const day = (n: number) => new Date(start.getTime() + n * 86_400_000);

function aFact(over: Partial<TransferFact> = {}): TransferFact {
  return {
    ruleKey: "werkplekleren",
    trainingId: "https://lms.example.com/course/7",
    trainingLabel: "Feedback geven",
    startedAt: start,
    heldBack: false,
    sentCount: 3,
    answeredNudgeCount: 1,
    answers: [],
    ...over,
  };
}

describe("wilsonInterval", () => {
  it("matches Newcombe's worked example 81/263 (0.2553 to 0.3662)", () => {
    const ci = wilsonInterval(81, 263);
    expect(ci?.low).toBeCloseTo(0.2553, 4);
    expect(ci?.high).toBeCloseTo(0.3662, 4);
  });
  it("stays inside [0, 1] at 0 of n and has no interval for n = 0", () => {
    expect(wilsonInterval(0, 10)?.low).toBe(0);
    expect(wilsonInterval(0, 10)?.high).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(0, 0)).toBeUndefined();
  });
});

describe("newcombeInterval", () => {
  it("matches Newcombe's example 56/70 minus 48/80 (0.0524 to 0.3339)", () => {
    const ci = newcombeInterval(
      { count: 56, total: 70 },
      { count: 48, total: 80 },
    );
    expect(ci?.low).toBeCloseTo(0.0524, 4);
    expect(ci?.high).toBeCloseTo(0.3339, 4);
  });
  it("has no interval when a group is empty", () => {
    expect(
      newcombeInterval({ count: 1, total: 2 }, { count: 0, total: 0 }),
    ).toBeUndefined();
  });
});

describe("summariseTransfer", () => {
  const applied = (status: string, n: number) => ({
    kind: "applied",
    value: { status },
    createdAt: day(n),
  });

  it("counts application by day 14 and day 90 once per plan, applied or partly", () => {
    const { overall } = summariseTransfer(
      [
        aFact({ answers: [applied("applied", 10), applied("applied", 12)] }),
        aFact({ answers: [applied("partly", 40)] }),
        aFact({ answers: [applied("not-yet", 10)] }),
        aFact({ answers: [applied("applied", 120)] }),
      ],
      "training",
    );
    expect(overall.appliedBy14).toEqual({ count: 1, total: 4, rate: 0.25 });
    expect(overall.appliedBy90.count).toBe(2);
  });

  it("counts reflections per value level and ignores levels outside 1 to 5", () => {
    const reflection = (level: unknown) => ({
      kind: "reflection",
      value: { level, text: "x" },
      createdAt: day(7),
    });
    const { overall } = summariseTransfer(
      [
        aFact({ answers: [reflection(1), reflection(4)] }),
        aFact({ answers: [reflection(4), reflection(9), reflection("2")] }),
      ],
      "rule",
    );
    expect(overall.reflectionsByLevel).toEqual([1, 0, 0, 2, 0]);
  });

  it("compares application with and without nudges, with sample sizes", () => {
    const facts = [
      ...Array.from({ length: 8 }, (_, i) =>
        aFact({ answers: i < 6 ? [applied("applied", 20)] : [] }),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        aFact({
          heldBack: true,
          sentCount: 0,
          answers: i < 1 ? [applied("applied", 20)] : [],
        }),
      ),
    ];
    const { holdBack } = summariseTransfer(facts, "rule").overall;
    expect(holdBack.nudged).toEqual({ count: 6, total: 8, rate: 0.75 });
    expect(holdBack.heldBack).toEqual({ count: 1, total: 4, rate: 0.25 });
    expect(holdBack.difference).toBeCloseTo(0.5, 10);
    expect(holdBack.interval?.low).toBeLessThan(0.5);
    expect(holdBack.interval?.high).toBeGreaterThan(0.5);
  });

  it("groups per training and per rule, and counts manager confirmations", () => {
    const facts = [
      aFact({
        answers: [{ kind: "manager-confirmed", value: {}, createdAt: day(15) }],
      }),
      aFact({ trainingId: "t2", trainingLabel: "Coachen", ruleKey: "kort" }),
    ];
    const byTraining = summariseTransfer(facts, "training");
    expect(byTraining.groups.map((g) => g.label)).toEqual([
      "Coachen",
      "Feedback geven",
    ]);
    expect(byTraining.groups[1]?.managerConfirmed.count).toBe(1);
    expect(summariseTransfer(facts, "rule").groups.map((g) => g.key)).toEqual([
      "kort",
      "werkplekleren",
    ]);
    expect(byTraining.overall.nudgesSent).toBe(6);
  });
});

describe("transferCsv", () => {
  it("quotes commas and defuses spreadsheet formulas", () => {
    const { groups } = summariseTransfer(
      [aFact({ trainingLabel: "=HYPERLINK(1), a" })],
      "training",
    );
    const [header, row] = transferCsv(groups).split("\r\n");
    expect(header?.split(",")[0]).toBe("group");
    expect(row?.startsWith(`"'=HYPERLINK(1), a"`)).toBe(true);
  });
});
