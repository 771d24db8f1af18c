import { describeTriggerMismatch, type TriggerFacts } from "./match-trigger";
import type { RecipientKind, RuleRef, StatementPlan } from "./plan-proposal";
import { inZone } from "./zone-cache";

/** One step of a simulated plan, as L&D reads it. */
export interface TimelineEntry {
  readonly rule: string;
  readonly step: string;
  readonly status: "planned" | "dropped";
  /** When it would go out (UTC); absent for a dropped step. */
  readonly dueAt: Date | undefined;
  /** `dueAt` in the recipient's zone, e.g. "2030-03-04 11:00 (Europe/Amsterdam)". */
  readonly local: string | undefined;
  readonly recipient: RecipientKind;
  /** Person id of the recipient, or the fixed address (for machines). */
  readonly to: string | undefined;
  /**
   * The recipient as L&D reads them: "Mia de Vries <mia@example.nl>", the name or email alone,
   * or the fixed address; absent for a dropped step and for a person the caller did not name.
   */
  readonly toDisplay: string | undefined;
  readonly template: string;
  readonly why: string;
  /** What the policy or the person's situation did to it, and why. */
  readonly decisions: readonly string[];
}

export interface Timeline {
  readonly entries: readonly TimelineEntry[];
  /** Rules that matched but held the learner back, or may not start again (re-entry). */
  readonly notStarted: readonly {
    readonly rule: string;
    readonly message: string;
  }[];
  /** Rules that did not match the statement, and why. */
  readonly unmatched: readonly {
    readonly rule: string;
    readonly reason: string;
  }[];
}

/**
 * The planner's result laid out by time, for `beklijf simulate` and POST /api/simulate.
 * `recipients` maps person ids to how L&D reads them (the caller looks them up; this package
 * reads no directory). Default: none, so only fixed addresses get a `toDisplay`.
 */
export function planTimeline(
  plan: StatementPlan,
  rules: readonly RuleRef[],
  facts: TriggerFacts,
  recipients: ReadonlyMap<string, string> = new Map(),
): Timeline {
  const keyOf = (versionId: string): string =>
    rules.find((ref) => ref.ruleVersionId === versionId)?.rule.key ?? versionId;
  const entries: TimelineEntry[] = [];
  const notStarted: { rule: string; message: string }[] = [];
  for (const proposal of plan.proposals) {
    const ref = rules.find((r) => r.ruleVersionId === proposal.ruleVersionId);
    const rule = keyOf(proposal.ruleVersionId);
    if (proposal.heldBack)
      for (const decision of proposal.decisions)
        notStarted.push({ rule, message: decision.message });
    const messagesOf = (stepKey: string): string[] =>
      proposal.decisions.flatMap((d) =>
        d.kind !== "held-back" && d.stepKey === stepKey ? [d.message] : [],
      );
    for (const step of proposal.steps)
      entries.push({
        rule,
        step: step.stepKey,
        status: "planned",
        dueAt: step.dueAt,
        local: `${inZone(step.dueAt, step.timeZone).toFormat("yyyy-LL-dd HH:mm ccc")} (${step.timeZone})`,
        recipient: step.recipient,
        to: step.recipientAddress ?? step.recipientPersonId,
        toDisplay:
          step.recipientAddress ??
          (step.recipientPersonId === undefined
            ? undefined
            : recipients.get(step.recipientPersonId)),
        template: step.template,
        why: step.why,
        decisions: messagesOf(step.stepKey),
      });
    for (const decision of proposal.decisions) {
      if (decision.kind !== "dropped") continue;
      const step = ref?.rule.steps.find((s) => s.key === decision.stepKey);
      entries.push({
        rule,
        step: decision.stepKey,
        status: "dropped",
        dueAt: undefined,
        local: undefined,
        recipient:
          step === undefined || typeof step.recipient !== "string"
            ? "address"
            : step.recipient,
        to: undefined,
        toDisplay: undefined,
        template: step?.template ?? "",
        why: step?.why ?? "",
        decisions: [decision.message],
      });
    }
  }
  for (const skipped of plan.skipped)
    notStarted.push({
      rule: keyOf(skipped.ruleVersionId),
      message: skipped.message,
    });
  const unmatched = rules.flatMap((ref) => {
    const reason = describeTriggerMismatch(ref.rule, facts);
    return reason === undefined ? [] : [{ rule: ref.rule.key, reason }];
  });
  entries.sort(
    (a, b) =>
      (a.dueAt?.getTime() ?? Number.MAX_SAFE_INTEGER) -
        (b.dueAt?.getTime() ?? Number.MAX_SAFE_INTEGER) ||
      a.rule.localeCompare(b.rule),
  );
  return { entries, notStarted, unmatched };
}

/** The timeline as text, one block per step (the CLI prints this). */
export function formatTimeline(timeline: Timeline): string {
  const lines: string[] = [];
  for (const entry of timeline.entries) {
    const when = entry.local ?? "not sent";
    // The id only when the caller could not name the person.
    const who =
      entry.toDisplay !== undefined
        ? ` ${entry.toDisplay}`
        : entry.to === undefined
          ? ""
          : ` <${entry.to}>`;
    lines.push(
      `${when}  ${entry.recipient}${who}  ${entry.rule}/${entry.step}  template ${entry.template}${entry.status === "dropped" ? "  (dropped)" : ""}`,
    );
    lines.push(`    why: ${entry.why}`);
    for (const decision of entry.decisions) lines.push(`    ${decision}`);
  }
  if (timeline.entries.length === 0) lines.push("No nudges would be planned.");
  for (const { rule, message } of timeline.notStarted)
    lines.push(`${rule}: not started: ${message}`);
  for (const { rule, reason } of timeline.unmatched)
    lines.push(`${rule}: does not match: ${reason}`);
  return `${lines.join("\n")}\n`;
}
