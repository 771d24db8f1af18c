import { droppedMessage, movedMessage, type PlanDecision } from "./decisions";
import { isHeldBack } from "./hold-back";
import { matchesTrigger } from "./match-trigger";
import type {
  PlanInput,
  PlannedStep,
  PlanProposal,
  PriorNudge,
  RuleRef,
  SkippedRule,
  StatementPlan,
} from "./plan-proposal";
import { idealTimeMs, type Recipient, resolveRecipient } from "./plan-steps";
import { DEFAULT_POLICY, type Policy } from "./policy";
import { entryKeyOf, findReEntryBlock } from "./re-entry";
import {
  createRecipientCalendar,
  type MoveReason,
  type Placement,
  type RecipientCalendar,
} from "./recipient-calendar";
import { resolveRuleOptions, type RuleStep } from "./rule";
import { describeInstant } from "./send-window";
import { checkStepCondition } from "./stop-conditions";
import { zoneFor } from "./zone-cache";

interface Candidate {
  readonly draft: number;
  readonly stepIndex: number;
  readonly label: string;
  readonly step: RuleStep;
  readonly recipient: Recipient;
  readonly idealAt: Date;
  placement?: Placement | undefined;
}

interface Draft {
  readonly ref: RuleRef;
  readonly entryKey: string;
  readonly heldBack: boolean;
  readonly dropped: Map<number, PlanDecision>;
}

/**
 * Plans the follow-ups of one statement for one learner: one proposal per rule that matches and
 * may start, and the rules that matched but may not (re-entry). Pure and deterministic: the same
 * input always gives the same plans with the same natural keys, so re-running it never doubles a
 * nudge. With a policy, every dueAt is inside the recipient's send window and within the caps
 * (counting `history.nudges`), and nudges for one recipient on one local day share one dueAt.
 */
export function planStatement(input: PlanInput): StatementPlan {
  const { facts, policy } = input;
  const fallbackZone = policy?.timeZone ?? "UTC";
  const workdays = policy ?? DEFAULT_POLICY;
  const triggerMs = facts.timestamp.getTime();
  const answers = (input.history?.answers ?? []).filter(
    (answer) =>
      answer.objectId === facts.objectId &&
      answer.answeredAt >= facts.timestamp,
  );
  const drafts: Draft[] = [];
  const candidates: Candidate[] = [];
  const skipped: SkippedRule[] = [];

  for (const ref of input.rules) {
    if (!matchesTrigger(ref.rule, facts)) continue;
    const { reEntry } = resolveRuleOptions(ref.rule);
    const entryKey = entryKeyOf(ref, input, reEntry);
    const blocked = findReEntryBlock(ref, input, reEntry, entryKey);
    if (blocked !== undefined) {
      skipped.push({
        ruleId: ref.ruleId,
        ruleVersionId: ref.ruleVersionId,
        reason: "re-entry",
        message: blocked,
      });
      continue;
    }
    const heldBack = isHeldBack(ref.rule, input.learnerId);
    const draft: Draft = { ref, entryKey, heldBack, dropped: new Map() };
    drafts.push(draft);
    if (heldBack) continue;
    ref.rule.steps.forEach((step, stepIndex) => {
      const recipient = resolveRecipient(step, input, fallbackZone);
      if (typeof recipient === "string") {
        draft.dropped.set(stepIndex, {
          kind: "dropped",
          stepKey: step.key,
          reason: recipient,
          message: droppedMessage(recipient),
        });
        return;
      }
      const check = checkStepCondition(step.condition, answers);
      if (!check.send) {
        draft.dropped.set(stepIndex, {
          kind: "dropped",
          stepKey: step.key,
          reason: "answered",
          message: droppedMessage("answered", step.condition?.notAnswered),
        });
        return;
      }
      candidates.push({
        draft: drafts.length - 1,
        stepIndex,
        label: `${ref.rule.key}/${step.key}`,
        step,
        recipient,
        idealAt: new Date(
          idealTimeMs(step, triggerMs, zoneFor(recipient.zone), workdays),
        ),
      });
    });
  }

  if (policy !== undefined)
    placeAll(candidates, drafts, input.history?.nudges ?? [], policy);

  const proposals = drafts.map((draft, index): PlanProposal => {
    const { ref, entryKey, heldBack } = draft;
    if (heldBack) {
      const share = ref.rule.holdBack?.share ?? 0;
      return {
        ruleId: ref.ruleId,
        ruleVersionId: ref.ruleVersionId,
        entryKey,
        steps: [],
        heldBack,
        decisions: [
          {
            kind: "held-back",
            share,
            message: `held back: control group (${Math.round(share * 1000) / 10}% of learners get no nudges from ${ref.rule.key})`,
          },
        ],
      };
    }
    const steps: PlannedStep[] = [];
    const decisions: PlanDecision[] = [];
    const own = candidates.filter((candidate) => candidate.draft === index);
    ref.rule.steps.forEach((step, stepIndex) => {
      const dropped = draft.dropped.get(stepIndex);
      if (dropped !== undefined) {
        decisions.push(dropped);
        return;
      }
      const candidate = own.find((c) => c.stepIndex === stepIndex);
      if (candidate === undefined) return;
      if (policy !== undefined && candidate.placement === undefined) {
        decisions.push({
          kind: "dropped",
          stepKey: step.key,
          reason: "no-free-slot",
          message: droppedMessage("no-free-slot"),
        });
        return;
      }
      const dueAt =
        candidate.placement === undefined
          ? candidate.idealAt
          : new Date(candidate.placement.email.atMs);
      const mergeKey = `${candidate.recipient.id}|${dueAt.toISOString()}`;
      steps.push({
        stepKey: step.key,
        recipient: candidate.recipient.kind,
        recipientPersonId: candidate.recipient.personId,
        recipientAddress: candidate.recipient.address,
        template: step.template,
        dueAt,
        idealAt: candidate.idealAt,
        timeZone: candidate.recipient.zone,
        mergeKey,
        naturalKey: `${entryKey}|${step.key}`,
        why: step.why,
        condition: step.condition,
      });
      if (candidate.placement !== undefined && policy !== undefined)
        decisions.push(
          ...placementDecisions(
            candidate,
            candidate.placement,
            dueAt,
            mergeKey,
            policy,
          ),
        );
    });
    return {
      ruleId: ref.ruleId,
      ruleVersionId: ref.ruleVersionId,
      entryKey,
      steps,
      heldBack,
      decisions,
    };
  });
  return { proposals, skipped };
}

/** Books every candidate in its recipient's calendar, earliest first (ties: rule, then step order). */
function placeAll(
  candidates: Candidate[],
  drafts: readonly Draft[],
  prior: readonly PriorNudge[],
  policy: Policy,
): void {
  const replanned = new Set(drafts.map((draft) => draft.entryKey));
  const calendars = new Map<string, RecipientCalendar>();
  const ordered = [...candidates].sort(
    (a, b) =>
      a.idealAt.getTime() - b.idealAt.getTime() ||
      a.draft - b.draft ||
      a.stepIndex - b.stepIndex,
  );
  for (const candidate of ordered) {
    const { recipient } = candidate;
    let calendar = calendars.get(recipient.id);
    if (calendar === undefined) {
      calendar = createRecipientCalendar(
        recipient.zone,
        policy,
        prior.filter(
          (nudge) =>
            nudge.recipientId === recipient.id &&
            (nudge.entryKey === undefined || !replanned.has(nudge.entryKey)),
        ),
      );
      calendars.set(recipient.id, calendar);
    }
    candidate.placement = calendar.place(candidate.idealAt, candidate.label);
  }
}

function placementDecisions(
  candidate: Candidate,
  placement: Placement,
  dueAt: Date,
  mergeKey: string,
  policy: Policy,
): PlanDecision[] {
  const decisions: PlanDecision[] = [];
  const { step, recipient, idealAt } = candidate;
  const reasons: MoveReason[] = [...placement.reasons];
  if (dueAt.getTime() !== placement.placedAtMs) reasons.push("merged");
  if (dueAt.getTime() !== idealAt.getTime())
    decisions.push({
      kind: "moved",
      stepKey: step.key,
      from: idealAt,
      to: dueAt,
      reasons,
      message: movedMessage(idealAt, dueAt, recipient.zone, reasons, policy),
    });
  const { email } = placement;
  const others = email.members.filter((label) => label !== candidate.label);
  if (email.kind === "planned") {
    const planned = `the email already planned for ${describeInstant(dueAt, recipient.zone)}`;
    decisions.push({
      kind: "merged",
      stepKey: step.key,
      mergeKey,
      with: [...others, planned],
      message: `merged into ${planned}`,
    });
  } else if (others.length > 0) {
    decisions.push({
      kind: "merged",
      stepKey: step.key,
      mergeKey,
      with: others,
      message: `merged into one email with ${others.join(", ")}`,
    });
  }
  return decisions;
}

/**
 * The proposals of `planStatement` (the rules that matched and may start). Kept for callers that
 * need no decisions about skipped rules.
 */
export function planNudges(input: PlanInput): PlanProposal[] {
  return planStatement(input).proposals;
}
