import { assertNever } from "@beklijf/core";
import { type DateTime, Duration } from "luxon";

import { nextBatchSlot } from "./batch-slot";
import type { PlanContact, PlanInput, RecipientKind } from "./plan-proposal";
import type { Policy } from "./policy";
import type { RuleStep } from "./rule";
import { addWorkdays, atLocalTime, resolveZone } from "./send-window";
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

/** Parsed ISO 8601 durations: a rule set names a handful, and every plan parses them again. */
const durations = new Map<string, Duration>();

function durationOf(iso: string): Duration {
  return remembered(durations, iso, 1_000, () => Duration.fromISO(iso));
}

/** The step's own time: the trigger plus the offset (in the recipient's zone), at `at`. */
export function idealTime(
  step: RuleStep,
  trigger: DateTime,
  policy: Policy,
): DateTime {
  const offset = step.offset;
  const landed =
    typeof offset === "string"
      ? trigger.plus(durationOf(offset))
      : addWorkdays(trigger, offset.workdays, policy);
  if (step.at === undefined) return batched(step, landed);
  const at = atLocalTime(landed, step.at);
  return batched(
    step,
    at < trigger ? atLocalTime(at.plus({ days: 1 }), step.at) : at,
  );
}

/** A batched step's time moves on to the recipient's next weekly slot (see nextBatchSlot). */
function batched(step: RuleStep, local: DateTime): DateTime {
  return step.batch === undefined ? local : nextBatchSlot(local, step.batch);
}
