import { err, ok, type Result } from "@beklijf/core";
import type { Zone } from "luxon";

import { localDayNumberOf, startOfNextLocalDay } from "./local-time";
import type { Policy } from "./policy";
import {
  MAX_SEARCH_DAYS,
  nextWindowMs,
  type WindowReason,
} from "./send-window";
import { zoneFor } from "./zone-cache";

// One recipient's emails by local day, to place new nudges under the caps. Nudges that land on the
// same local day share one email: they get exactly the same dueAt, so the sender can put every
// planned nudge with the same recipient and dueAt into one message.

export type CapReason = "daily-cap" | "weekly-cap";
/** Why a nudge went out later than its step asked. */
export type MoveReason = WindowReason | CapReason | "merged";

/** An email that is already planned for, or was sent to, one recipient. */
export interface BookedEmail {
  /** Days since 1970-01-01 of its local date in the recipient's zone: its day, and the 7-day window. */
  readonly dayNumber: number;
  /** When it goes (or went) out; a new email moves later when a later nudge joins it. */
  atMs: number;
  /**
   * "sent": gone, nothing can join it. "planned": in Postgres already, its time is fixed, so a
   * nudge may join it only when it is not earlier than the nudge. "new": planned in this run.
   */
  readonly kind: "sent" | "planned" | "new";
  /** Labels of the nudges of this run that go in it (for the decisions). */
  readonly members: string[];
}

export interface Placement {
  readonly email: BookedEmail;
  /** Where the search put the nudge before any later nudge joined its email (epoch ms). */
  readonly placedAtMs: number;
  readonly reasons: readonly (WindowReason | CapReason)[];
}

export interface RecipientCalendar {
  readonly zone: string;
  /**
   * Books a nudge at the earliest instant at or after `earliest` that is inside the send window and
   * within the caps, joining an email on the same local day when there is one it may join.
   * Undefined when nothing is free within MAX_SEARCH_DAYS.
   */
  place(earliest: Date, label: string): Placement | undefined;
}

/** Something already in a recipient's calendar. */
export interface BookedNudge {
  readonly dueAt: Date;
  /** "planned": not sent yet, so a new nudge that day may join its email. "sent": handed off. */
  readonly status: "planned" | "sent";
}

function toBooked(
  atMs: number,
  zone: Zone,
  kind: BookedEmail["kind"],
): BookedEmail {
  return { dayNumber: localDayNumberOf(atMs, zone), atMs, kind, members: [] };
}

export function createRecipientCalendar(
  zoneName: string,
  policy: Policy,
  booked: readonly BookedNudge[],
): RecipientCalendar {
  const zone = zoneFor(zoneName);
  // Nudges with one recipient and one dueAt went (or go) out as one email.
  const byInstant = new Map<number, BookedEmail>();
  for (const nudge of booked) {
    const atMs = nudge.dueAt.getTime();
    const existing = byInstant.get(atMs);
    if (existing !== undefined && existing.kind === "sent") continue;
    byInstant.set(atMs, toBooked(atMs, zone, nudge.status));
  }
  const emails = [...byInstant.values()];
  const { perDay, perWeek } = policy.caps;

  function breaksWeeklyCap(dayNumber: number): boolean {
    for (let start = dayNumber - 6; start <= dayNumber; start++) {
      let inWindow = 0;
      for (const email of emails)
        if (email.dayNumber >= start && email.dayNumber <= start + 6)
          inWindow++;
      if (inWindow + 1 > perWeek) return true;
    }
    return false;
  }

  return {
    zone: zoneName,
    place(earliest, label) {
      const reasons: (WindowReason | CapReason)[] = [];
      const because = (reason: WindowReason | CapReason): void => {
        if (!reasons.includes(reason)) reasons.push(reason);
      };
      let from = earliest.getTime();
      for (let attempt = 0; attempt <= MAX_SEARCH_DAYS; attempt++) {
        const window = nextWindowMs(from, zone, policy, attempt > 0);
        if (window === undefined) return undefined;
        window.reasons.forEach(because);
        const at = window.atMs;
        const dayNumber = localDayNumberOf(at, zone);
        let sameDay = 0;
        let joinable: BookedEmail | undefined;
        for (const email of emails) {
          if (email.dayNumber !== dayNumber) continue;
          sameDay++;
          // A new email of that day first; otherwise the earliest planned one not before `at`.
          if (email.kind === "new") {
            if (joinable?.kind !== "new") joinable = email;
          } else if (
            email.kind === "planned" &&
            email.atMs >= at &&
            joinable?.kind !== "new" &&
            (joinable === undefined || email.atMs < joinable.atMs)
          ) {
            joinable = email;
          }
        }
        if (joinable !== undefined) {
          // Moving a new email later is fine (no nudge goes out before its time); a planned one is fixed.
          if (joinable.kind === "new")
            joinable.atMs = Math.max(joinable.atMs, at);
          joinable.members.push(label);
          return { email: joinable, placedAtMs: at, reasons };
        }
        if (sameDay >= perDay) {
          because("daily-cap");
          from = startOfNextLocalDay(at, zone);
          continue;
        }
        if (breaksWeeklyCap(dayNumber)) {
          because("weekly-cap");
          from = startOfNextLocalDay(at, zone);
          continue;
        }
        const slot = toBooked(at, zone, "new");
        slot.members.push(label);
        emails.push(slot);
        return { email: slot, placedAtMs: at, reasons };
      }
      return undefined;
    },
  };
}

export interface AllowedSendTime {
  /** `instant` itself when it may go now, otherwise the start of the next free slot. */
  readonly at: Date;
  /** Why it moved; empty when it may go at `instant`. */
  readonly reasons: readonly (WindowReason | CapReason)[];
}

/**
 * Fire-time re-check for one recipient: the earliest instant at or after `instant` that is inside
 * the send window (in `zone`) and within the caps, given `sentAt`, the instants at which emails
 * already went to this recipient (each one counts as one email; pass the last 7 days at least).
 * A result equal to `instant` means: send now. Planned nudges that have not gone out are not
 * passed: the sender merges those with the same recipient and dueAt into this email.
 */
export function nextAllowedSendTime(
  instant: Date,
  zone: string,
  policy: Policy,
  sentAt: readonly Date[],
): Result<AllowedSendTime, { kind: "no-free-slot"; searchedDays: number }> {
  const calendar = createRecipientCalendar(
    zone,
    policy,
    sentAt.map((dueAt) => ({ dueAt, status: "sent" })),
  );
  const placement = calendar.place(instant, "now");
  if (placement === undefined)
    return err({ kind: "no-free-slot", searchedDays: MAX_SEARCH_DAYS });
  return ok({ at: new Date(placement.email.atMs), reasons: placement.reasons });
}
