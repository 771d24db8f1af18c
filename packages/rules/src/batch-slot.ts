import type { DateTime } from "luxon";

import { WEEKDAY_NUMBERS } from "./policy";
import type { StepBatch } from "./rule";
import { atLocalTime } from "./send-window";

/**
 * The first weekly slot (`batch.weekday` at `batch.at`, in the zone of `local`) at or after
 * `local`. Every time in the week before a slot maps to that slot, so the batched steps of a
 * recipient's several plans share one dueAt, and the planner merges them into one email.
 */
export function nextBatchSlot(local: DateTime, batch: StepBatch): DateTime {
  const days = (WEEKDAY_NUMBERS[batch.weekday] - local.weekday + 7) % 7;
  const slot = atLocalTime(local.plus({ days }), batch.at);
  return slot < local
    ? atLocalTime(local.plus({ days: days + 7 }), batch.at)
    : slot;
}
