import type Handlebars from "handlebars";

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
 *   a full date ("13 april 2026", "April 13, 2026"); `format="weekday"` gives "maandag 13 april".
 * - `{{localized map}}`: the entry of a language map for the context's locale, with fallback.
 * - `{{#if (eq a b)}}`.
 */
const FORMATS = {
  full: { year: "numeric", month: "long", day: "numeric" },
  weekday: { weekday: "long", day: "numeric", month: "long" },
} as const satisfies Record<string, Intl.DateTimeFormatOptions>;

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A formatter per locale, zone and format, made once: building an Intl.DateTimeFormat costs far
 * more than formatting with it, and every email formats dates. An unknown zone or locale falls
 * back to UTC or English rather than failing the email.
 */
function dateFormat(
  locale: string,
  zone: string,
  format: keyof typeof FORMATS,
): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${format}`;
  let formatter = dateFormats.get(key);
  if (formatter === undefined) {
    const make = (l: string, timeZone: string) =>
      new Intl.DateTimeFormat(l, { ...FORMATS[format], timeZone });
    try {
      formatter = make(locale, zone);
    } catch {
      try {
        formatter = make(locale, "UTC");
      } catch {
        formatter = make("en", "UTC");
      }
    }
    // Locales and zones come from people's records: few, but never let it grow without end.
    if (dateFormats.size >= 1_000) dateFormats.clear();
    dateFormats.set(key, formatter);
  }
  return formatter;
}

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
      const date = value instanceof Date ? value : new Date(String(value));
      if (Number.isNaN(date.getTime()))
        throw new Error(`formatDate: "${String(value)}" is not a date`);
      return dateFormat(
        locale,
        zone,
        hashString(options, "format") === "weekday" ? "weekday" : "full",
      ).format(date);
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
