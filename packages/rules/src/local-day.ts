import { atMinuteOfDay, startOfNextLocalDay } from "./local-time";
import { resolveZone } from "./send-window";
import { zoneFor } from "./zone-cache";

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
  const localZone = zoneFor(resolveZone(zone, fallbackZone));
  const start = atMinuteOfDay(instant.getTime(), 0, localZone);
  return {
    start: new Date(start),
    end: new Date(startOfNextLocalDay(start, localZone)),
  };
}
