import type Handlebars from "handlebars";
import { DateTime } from "luxon";

/** The helpers every template may use; registered once, under these names only. */
export const HELPER_NAMES = ["formatDate", "localized", "eq"] as const;

/**
 * Picks a language map's entry for `locale`: the exact tag, then the same base language
 * ("nl" for "nl-BE", "nl-NL" for "nl"), then `fallbackLocale` the same way, then the first entry.
 * Returns undefined for an empty or absent map.
 */
export function pickFromLanguageMap(
  map: unknown,
  locale: string,
  fallbackLocale = "en",
): string | undefined {
  if (typeof map !== "object" || map === null) return undefined;
  const entries = Object.entries(map).filter(
    (entry): entry is [string, string] =>
      typeof entry[1] === "string" && entry[1].trim() !== "",
  );
  for (const wanted of [locale, fallbackLocale]) {
    const lower = wanted.toLowerCase();
    const base = lower.split("-")[0];
    const exact = entries.find(([tag]) => tag.toLowerCase() === lower);
    if (exact !== undefined) return exact[1];
    const sameBase = entries.find(
      ([tag]) => tag.toLowerCase().split("-")[0] === base,
    );
    if (sameBase !== undefined) return sameBase[1];
  }
  return entries[0]?.[1];
}

function rootString(
  options: Handlebars.HelperOptions,
  key: string,
): string | undefined {
  const root: unknown = (options.data as { root?: unknown } | undefined)?.root;
  if (typeof root !== "object" || root === null) return undefined;
  const value: unknown = (root as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

function hashString(
  options: Handlebars.HelperOptions,
  key: string,
): string | undefined {
  const value: unknown = (options.hash as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

/**
 * Registers the helpers on an isolated instance:
 * - `{{formatDate value}}`: a date (Date or ISO string) in the recipient's language and time zone
 *   (the context's `locale` and `timeZone`, overridable with `locale=` and `timeZone=`), as
 *   luxon's DATE_FULL ("maandag 13 april 2026"); `format="weekday"` gives "maandag 13 april".
 * - `{{localized map}}`: the entry of a language map for the context's locale, with fallback.
 * - `{{#if (eq a b)}}`.
 */
export function registerHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper(
    "formatDate",
    (value: unknown, options: Handlebars.HelperOptions) => {
      const locale =
        hashString(options, "locale") ?? rootString(options, "locale") ?? "en";
      const zone =
        hashString(options, "timeZone") ??
        rootString(options, "timeZone") ??
        "UTC";
      const date =
        value instanceof Date
          ? DateTime.fromJSDate(value)
          : DateTime.fromISO(String(value));
      if (!date.isValid)
        throw new Error(`formatDate: "${String(value)}" is not a date`);
      const local = date.setZone(zone).setLocale(locale);
      return hashString(options, "format") === "weekday"
        ? local.toLocaleString({
            weekday: "long",
            day: "numeric",
            month: "long",
          })
        : local.toLocaleString(DateTime.DATE_FULL);
    },
  );
  hbs.registerHelper(
    "localized",
    (map: unknown, options: Handlebars.HelperOptions) => {
      const locale = rootString(options, "locale") ?? "en";
      const picked = pickFromLanguageMap(map, locale);
      if (picked === undefined)
        throw new Error("localized: the language map is empty");
      return picked;
    },
  );
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
}
