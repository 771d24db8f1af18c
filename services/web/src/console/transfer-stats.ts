// The transfer dashboard's arithmetic (issue #6 item 4): pure, so it is unit-tested without a
// database. The route loads the facts (packages/db loadTransferFacts) and renders the result.

/** One plan: one learner's run through one rule after one training. */
export interface TransferFact {
  readonly ruleKey: string;
  readonly trainingId: string;
  readonly trainingLabel: string;
  readonly startedAt: Date;
  /** In the rule's control group: planned, but sent nothing on purpose. */
  readonly heldBack: boolean;
  readonly sentCount: number;
  readonly answeredNudgeCount: number;
  readonly answers: readonly {
    kind: string;
    value: unknown;
    createdAt: Date;
  }[];
}

export interface Proportion {
  readonly count: number;
  readonly total: number;
  /** count / total; undefined when total is 0. */
  readonly rate: number | undefined;
}

export interface HoldBackComparison {
  readonly nudged: Proportion;
  readonly heldBack: Proportion;
  /** nudged rate minus held-back rate; undefined unless both groups have plans. */
  readonly difference: number | undefined;
  /** 95% Newcombe hybrid score interval of the difference. */
  readonly interval: { low: number; high: number } | undefined;
}

export interface TransferSummary {
  readonly key: string;
  readonly label: string;
  readonly completions: number;
  readonly heldBack: number;
  readonly nudgesSent: number;
  readonly nudgesAnswered: number;
  /** Plans whose learner reported applying (applied or partly) within 14 days of the start. */
  readonly appliedBy14: Proportion;
  /** Same, within 90 days. */
  readonly appliedBy90: Proportion;
  readonly managerConfirmed: Proportion;
  /** Reflection answers per value level 1 to 5 (index 0 is level 1). */
  readonly reflectionsByLevel: readonly [
    number,
    number,
    number,
    number,
    number,
  ];
  /** Application by day 90 with and without nudges. */
  readonly holdBack: HoldBackComparison;
}

export type TransferGrouping = "training" | "rule";

const DAY_MS = 86_400_000;
/** The 97.5th percentile of the standard normal distribution (two-sided 95%). */
const Z_95 = 1.959963984540054;

function proportion(count: number, total: number): Proportion {
  return { count, total, rate: total === 0 ? undefined : count / total };
}

/** Did the learner report applying it (fully or partly) within `days` days of the plan's start? */
export function reportedApplication(fact: TransferFact, days: number): boolean {
  const end = fact.startedAt.getTime() + days * DAY_MS;
  return fact.answers.some(
    (a) =>
      a.kind === "applied" &&
      a.createdAt.getTime() <= end &&
      isObject(a.value) &&
      (a.value["status"] === "applied" || a.value["status"] === "partly"),
  );
}

/**
 * The Wilson score interval of count/total at 95%: sound at small samples and near 0 or 1,
 * where the textbook p ± 1.96·SE is not. Undefined when total is 0.
 */
export function wilsonInterval(
  count: number,
  total: number,
  z = Z_95,
): { low: number; high: number } | undefined {
  if (total <= 0) return undefined;
  const p = count / total;
  const z2 = z * z;
  const denominator = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denominator;
  const half =
    (z / denominator) *
    Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * Newcombe's hybrid score interval (his method 10, 1998) for the difference of two independent
 * proportions, built from each one's Wilson interval.
 */
export function newcombeInterval(
  a: { count: number; total: number },
  b: { count: number; total: number },
  z = Z_95,
): { low: number; high: number } | undefined {
  const wa = wilsonInterval(a.count, a.total, z);
  const wb = wilsonInterval(b.count, b.total, z);
  if (wa === undefined || wb === undefined) return undefined;
  const pa = a.count / a.total;
  const pb = b.count / b.total;
  const d = pa - pb;
  return {
    low: d - Math.sqrt((pa - wa.low) ** 2 + (wb.high - pb) ** 2),
    high: d + Math.sqrt((wa.high - pa) ** 2 + (pb - wb.low) ** 2),
  };
}

function compare(facts: readonly TransferFact[]): HoldBackComparison {
  const nudgedFacts = facts.filter((f) => !f.heldBack);
  const heldFacts = facts.filter((f) => f.heldBack);
  const nudged = proportion(
    nudgedFacts.filter((f) => reportedApplication(f, 90)).length,
    nudgedFacts.length,
  );
  const heldBack = proportion(
    heldFacts.filter((f) => reportedApplication(f, 90)).length,
    heldFacts.length,
  );
  return {
    nudged,
    heldBack,
    difference:
      nudged.rate === undefined || heldBack.rate === undefined
        ? undefined
        : nudged.rate - heldBack.rate,
    interval: newcombeInterval(nudged, heldBack),
  };
}

function summarise(
  key: string,
  label: string,
  facts: readonly TransferFact[],
): TransferSummary {
  const levels: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const fact of facts)
    for (const answer of fact.answers) {
      if (answer.kind !== "reflection" || !isObject(answer.value)) continue;
      const level = answer.value["level"];
      if (
        typeof level === "number" &&
        Number.isInteger(level) &&
        level >= 1 &&
        level <= 5
      )
        levels[level - 1] = (levels[level - 1] ?? 0) + 1;
    }
  const total = facts.length;
  return {
    key,
    label,
    completions: total,
    heldBack: facts.filter((f) => f.heldBack).length,
    nudgesSent: facts.reduce((sum, f) => sum + f.sentCount, 0),
    nudgesAnswered: facts.reduce((sum, f) => sum + f.answeredNudgeCount, 0),
    appliedBy14: proportion(
      facts.filter((f) => reportedApplication(f, 14)).length,
      total,
    ),
    appliedBy90: proportion(
      facts.filter((f) => reportedApplication(f, 90)).length,
      total,
    ),
    managerConfirmed: proportion(
      facts.filter((f) => f.answers.some((a) => a.kind === "manager-confirmed"))
        .length,
      total,
    ),
    reflectionsByLevel: levels,
    holdBack: compare(facts),
  };
}

/**
 * Per training or per rule, sorted by label, plus one overall row. Application counts a plan
 * once, however often its learner answered.
 */
export function summariseTransfer(
  facts: readonly TransferFact[],
  groupBy: TransferGrouping,
): { groups: TransferSummary[]; overall: TransferSummary } {
  const groups = new Map<string, { label: string; facts: TransferFact[] }>();
  for (const fact of facts) {
    const key = groupBy === "training" ? fact.trainingId : fact.ruleKey;
    const label = groupBy === "training" ? fact.trainingLabel : fact.ruleKey;
    const group = groups.get(key) ?? { label, facts: [] };
    group.facts.push(fact);
    groups.set(key, group);
  }
  return {
    groups: [...groups.entries()]
      .map(([key, g]) => summarise(key, g.label, g.facts))
      .sort((a, b) => a.label.localeCompare(b.label)),
    overall: summarise("*", "*", facts),
  };
}

/** A CSV field: quoted when needed, and never read as a formula by a spreadsheet. */
function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === "string") text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CSV_COLUMNS = [
  "group",
  "key",
  "completions",
  "held_back",
  "nudges_sent",
  "nudges_answered",
  "applied_by_day_14",
  "applied_by_day_90",
  "manager_confirmed",
  "reflection_level_1",
  "reflection_level_2",
  "reflection_level_3",
  "reflection_level_4",
  "reflection_level_5",
  "nudged_n",
  "nudged_applied",
  "held_back_n",
  "held_back_applied",
  "difference",
  "difference_ci95_low",
  "difference_ci95_high",
] as const;

function round(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value * 10_000) / 10_000;
}

/** The summaries as CSV (RFC 4180, CRLF line ends), one row per group. */
export function transferCsv(rows: readonly TransferSummary[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of rows)
    lines.push(
      [
        r.label,
        r.key,
        r.completions,
        r.heldBack,
        r.nudgesSent,
        r.nudgesAnswered,
        r.appliedBy14.count,
        r.appliedBy90.count,
        r.managerConfirmed.count,
        ...r.reflectionsByLevel,
        r.holdBack.nudged.total,
        r.holdBack.nudged.count,
        r.holdBack.heldBack.total,
        r.holdBack.heldBack.count,
        round(r.holdBack.difference),
        round(r.holdBack.interval?.low),
        round(r.holdBack.interval?.high),
      ]
        .map(csvField)
        .join(","),
    );
  return `${lines.join("\r\n")}\r\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
