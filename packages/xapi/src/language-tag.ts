// RFC 5646 ("Tags for Identifying Languages"), section 2.1: the ABNF of a well-formed tag, plus the
// two validity rules a tag can break on its own (a repeated variant, a repeated extension singleton).
// xAPI 1.0.3 Data 2.2.s4.b2: an LRS MUST validate the sequence of token lengths of language map keys.

const LANGUAGE = "(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})";
const SCRIPT = "[a-z]{4}";
const REGION = "(?:[a-z]{2}|[0-9]{3})";
const VARIANT = "(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3})";
const EXTENSION = "(?:[0-9a-wy-z](?:-[a-z0-9]{2,8})+)";
const PRIVATE_USE = "(?:x(?:-[a-z0-9]{1,8})+)";

const LANGTAG = new RegExp(
  `^${LANGUAGE}(?:-${SCRIPT})?(?:-${REGION})?(?:-${VARIANT})*(?:-${EXTENSION})*(?:-${PRIVATE_USE})?$`,
  "i",
);
const PRIVATE_USE_ONLY = new RegExp(`^${PRIVATE_USE}$`, "i");

/** Tags registered before RFC 4646 that do not fit the grammar above (RFC 5646 section 2.2.8). */
const GRANDFATHERED = new Set([
  "en-gb-oed",
  "i-ami",
  "i-bnn",
  "i-default",
  "i-enochian",
  "i-hak",
  "i-klingon",
  "i-lux",
  "i-mingo",
  "i-navajo",
  "i-pwn",
  "i-tao",
  "i-tay",
  "i-tsu",
  "sgn-be-fr",
  "sgn-be-nl",
  "sgn-ch-de",
  "art-lojban",
  "cel-gaulish",
  "no-bok",
  "no-nyn",
  "zh-guoyu",
  "zh-hakka",
  "zh-min",
  "zh-min-nan",
  "zh-xiang",
]);

/** Whether the subtags before any private use repeat a singleton or a variant (RFC 5646 2.2.5, 2.2.6). */
function repeatsSubtag(tag: string): boolean {
  const subtags = tag.toLowerCase().split("-");
  const singletons = new Set<string>();
  const variants = new Set<string>();
  let inExtension = false;
  for (const subtag of subtags.slice(1)) {
    if (subtag === "x") return false;
    if (subtag.length === 1) {
      if (singletons.has(subtag)) return true;
      singletons.add(subtag);
      inExtension = true;
    } else if (
      !inExtension &&
      (subtag.length >= 5 || /^[0-9][a-z0-9]{3}$/.test(subtag))
    ) {
      if (variants.has(subtag)) return true;
      variants.add(subtag);
    }
  }
  return false;
}

/** The common shapes (nl, nl-NL, es-419), which need no further check. */
const SIMPLE = /^[a-z]{2,3}(?:-(?:[a-z]{2}|[0-9]{3}))?$/i;

/** Tags already judged; maps in one feed use a handful of tags over and over. */
const known = new Map<string, boolean>();
const KNOWN_LIMIT = 10_000;

function judge(tag: string): boolean {
  if (SIMPLE.test(tag)) return true;
  if (GRANDFATHERED.has(tag.toLowerCase()) || PRIVATE_USE_ONLY.test(tag))
    return true;
  return LANGTAG.test(tag) && !repeatsSubtag(tag);
}

/** Whether `tag` is a well-formed RFC 5646 language tag such as `nl`, `nl-NL` or `zh-Hant-TW`. */
export function isLanguageTag(tag: string): boolean {
  const cached = known.get(tag);
  if (cached !== undefined) return cached;
  const verdict = judge(tag);
  if (known.size < KNOWN_LIMIT) known.set(tag, verdict);
  return verdict;
}
