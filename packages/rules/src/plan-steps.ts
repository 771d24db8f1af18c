import { assertNever } from "@beklijf/core";
import { DateTime, Duration, type Zone } from "luxon";

import { nextBatchSlot } from "./batch-slot";
import { atMinuteOfDay, plusLocalDays } from "./local-time";
import type { PlanContact, PlanInput, RecipientKind } from "./plan-proposal";
import type { Policy } from "./policy";
import { minutesOf } from "./primitives";
import type { RuleStep, StepBatch } from "./rule";
import { addWorkdaysMs, resolveZone } from "./send-window";
import { remembered } from "./zone-cache";

/** Who a step goes to, once the directory has been asked. */
export interface Recipient {
  readonly kind: RecipientKind;
  /** Person id, or `address:<address>`: the key of caps and merging. */
  readonly id: string;
  readonly personId: string | undefined;
  readonly address: string | undefined;
  readonly zone: string;
}

/** The step's recipient, or why there is none. */
export function resolveRecipient(
  step: RuleStep,
  input: PlanInput,
  fallbackZone: string,
): Recipient | "no-manager" | "no-team-lead" {
  const { recipient } = step;
  const contact = (kind: RecipientKind, who: PlanContact): Recipient => ({
    kind,
    id: who.id,
    personId: who.id,
    address: undefined,
    zone: resolveZone(who.timeZone, fallbackZone),
  });
  if (typeof recipient === "object") {
    const address = recipient.address.toLowerCase();
    return {
      kind: "address",
      id: `address:${address}`,
      personId: undefined,
      address,
      zone: fallbackZone,
    };
  }
  switch (recipient) {
    case "learner":
      return contact("learner", {
        id: input.learnerId,
        timeZone: input.person?.timeZone,
      });
    case "manager":
      return input.person?.manager === undefined
        ? "no-manager"
        : contact("manager", input.person.manager);
    case "team-lead":
      return input.person?.teamLead === undefined
        ? "no-team-lead"
        : contact("team-lead", input.person.teamLead);
    default:
      return assertNever(recipient);
  }
}

/** An ISO 8601 duration as luxon adds it: whole local days, then milliseconds. */
interface SplitDuration {
  readonly days: number;
  readonly ms: number;
}

/**
 * Parsed ISO 8601 durations: a rule set names a handful, and every plan parses them again.
 * `undefined` split: years, months or fractions of days, left to luxon.
 */
const durations = new Map<
  string,
  { duration: Duration; split: SplitDuration | undefined }
>();

function durationOf(iso: string): {
  duration: Duration;
  split: SplitDuration | undefined;
} {
  return remembered(durations, iso, 1_000, () => {
    const duration = Duration.fromISO(iso);
    const { years, quarters, months, weeks, days } = duration;
    const calendarDays = weeks * 7 + days;
    const simple =
      duration.isValid &&
      years === 0 &&
      quarters === 0 &&
      months === 0 &&
      Number.isInteger(weeks) &&
      Number.isInteger(days);
    return {
      duration,
      split: simple
        ? {
            days: calendarDays,
            ms: Duration.fromObject({
              hours: duration.hours,
              minutes: duration.minutes,
              seconds: duration.seconds,
              milliseconds: duration.milliseconds,
            }).as("milliseconds"),
          }
        : undefined,
    };
  });
}

/** The step's own time: the trigger plus the offset (in the recipient's zone), at `at`. */
export function idealTime(
  step: RuleStep,
  trigger: DateTime,
  policy: Policy,
): DateTime {
  return DateTime.fromMillis(
    idealTimeMs(step, trigger.toMillis(), trigger.zone, policy),
    { zone: trigger.zone },
  );
}

/** `idealTime` on epoch milliseconds in `zone` (see local-time.ts): what the planner uses. */
export function idealTimeMs(
  step: RuleStep,
  triggerMs: number,
  zone: Zone,
  policy: Policy,
): number {
  const offset = step.offset;
  let landed: number;
  if (typeof offset === "string") {
    const { duration, split } = durationOf(offset);
    landed =
      split === undefined
        ? DateTime.fromMillis(triggerMs, { zone }).plus(duration).toMillis()
        : plusLocalDays(triggerMs, split.days, zone) + split.ms;
  } else {
    landed = addWorkdaysMs(triggerMs, zone, offset.workdays, policy);
  }
  if (step.at !== undefined) {
    const minute = minutesOf(step.at);
    const at = atMinuteOfDay(landed, minute, zone);
    landed =
      at < triggerMs
        ? atMinuteOfDay(plusLocalDays(at, 1, zone), minute, zone)
        : at;
  }
  return step.batch === undefined ? landed : batched(step.batch, landed, zone);
}

/** A batched step's time moves on to the recipient's next weekly slot (see nextBatchSlot). */
function batched(batch: StepBatch, ms: number, zone: Zone): number {
  return nextBatchSlot(DateTime.fromMillis(ms, { zone }), batch).toMillis();
}
