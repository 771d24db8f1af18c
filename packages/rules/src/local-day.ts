import { resolveZone } from "./send-window";
import { inZone } from "./zone-cache";

/**
 * The local calendar day around `instant` in `zone` (the fallback zone when `zone` is not a
 * valid IANA zone), as UTC instants: `start` inclusive, `end` exclusive. DST days are 23 or 25
 * hours long. Nudges for one recipient due within one local day go out in one email.
 */
export function localDayOf(
  instant: Date,
  zone: string,
  fallbackZone = "UTC",
): { readonly start: Date; readonly end: Date } {
  const local = inZone(instant, resolveZone(zone, fallbackZone)).startOf("day");
  return {
    start: local.toJSDate(),
    end: local.plus({ days: 1 }).startOf("day").toJSDate(),
  };
}
