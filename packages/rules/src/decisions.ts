import { assertNever } from "@beklijf/core";

import type { Policy, Weekday } from "./policy";
import { WEEKDAY_NUMBERS } from "./policy";
import type { MoveReason } from "./recipient-calendar";
import { describeInstant, MAX_SEARCH_DAYS } from "./send-window";

/** Why the planner left out a step. */
export type DropReason =
  "no-manager" | "no-team-lead" | "answered" | "no-free-slot";

/**
 * What a policy or the person's situation changed about a plan, with a message L&D reads (the
 * simulation prints these). Times in messages are the recipient's local times.
 */
export type PlanDecision =
  /** The nudge goes out later than its step asked. */
  | {
      readonly kind: "moved";
      readonly stepKey: string;
      readonly from: Date;
      readonly to: Date;
      readonly reasons: readonly MoveReason[];
      readonly message: string;
    }
  /** The nudge shares an email (same recipient, same dueAt) with other nudges. */
  | {
      readonly kind: "merged";
      readonly stepKey: string;
      readonly mergeKey: string;
      /** The other nudges in that email ("<rule key>/<step key>"), or the planned email it joined. */
      readonly with: readonly string[];
      readonly message: string;
    }
  /** The step is not planned. */
  | {
      readonly kind: "dropped";
      readonly stepKey: string;
      readonly reason: DropReason;
      readonly message: string;
    }
  /** The learner is in the rule's control group: no step is planned. */
  | {
      readonly kind: "held-back";
      readonly share: number;
      readonly message: string;
    };

function describeDays(days: readonly Weekday[]): string {
  const numbers = [...new Set(days.map((day) => WEEKDAY_NUMBERS[day]))].sort(
    (a, b) => a - b,
  );
  const name = (n: number): string =>
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][n - 1] ?? "?";
  const runs: string[] = [];
  let start = numbers[0];
  numbers.forEach((n, i) => {
    const next = numbers[i + 1];
    if (next === n + 1 || start === undefined) return;
    runs.push(start === n ? name(n) : `${name(start)}-${name(n)}`);
    start = next;
  });
  return runs.join(", ");
}

export function describeMoveReason(reason: MoveReason, policy: Policy): string {
  switch (reason) {
    case "outside-send-window": {
      const { days, start, end } = policy.sendWindow;
      return `outside the send window (${describeDays(days)} ${start}-${end})`;
    }
    case "holiday":
      return "a holiday";
    case "daily-cap":
      return `at most ${policy.caps.perDay} email${policy.caps.perDay === 1 ? "" : "s"} a day`;
    case "weekly-cap":
      return `at most ${policy.caps.perWeek} emails in 7 days`;
    case "merged":
      return "to go in one email with another nudge that day";
    default:
      return assertNever(reason);
  }
}

export function movedMessage(
  from: Date,
  to: Date,
  zone: string,
  reasons: readonly MoveReason[],
  policy: Policy,
): string {
  const local = (instant: Date): string => describeInstant(instant, zone);
  return `moved from ${local(from)} to ${local(to)} (${zone}): ${reasons
    .map((reason) => describeMoveReason(reason, policy))
    .join("; ")}`;
}

export function droppedMessage(
  reason: DropReason,
  answerKind?: string,
): string {
  switch (reason) {
    case "no-manager":
      return "dropped: no manager known";
    case "no-team-lead":
      return "dropped: no team lead known";
    case "answered":
      return `dropped: the learner already answered "${answerKind ?? ""}"`;
    case "no-free-slot":
      return `dropped: no free slot in the send window within ${MAX_SEARCH_DAYS} days`;
    default:
      return assertNever(reason);
  }
}
