import {
  DateTime,
  FixedOffsetZone,
  IANAZone,
  Zone,
  type ZoneOffsetFormat,
  type ZoneOffsetOptions,
} from "luxon";

// luxon asks Intl for a zone's offset on every calendar step (tens of microseconds each), and
// checks a zone name by building a formatter (over 100 µs). The planner takes many steps per
// nudge, so both are memoised here. The caches only remember answers that never change for a
// given input, so the functions stay pure.

/**
 * Every UTC offset change of today's tz database happens on a quarter of an hour (offsets and
 * local change times are whole quarters), so one offset holds for each 15-minute bucket.
 */
const BUCKET_MS = 15 * 60_000;
/** Bounds the memory of a long-running process; refilling costs only time. */
const MAX_BUCKETS_PER_ZONE = 100_000;

/** An IANA zone whose offsets are memoised per 15-minute bucket. */
class CachedZone extends Zone {
  readonly #inner: IANAZone;
  readonly #offsets = new Map<number, number>();
  // The planner asks about the same quarter hour several times in a row.
  #lastBucket = NaN;
  #lastOffset = 0;

  constructor(inner: IANAZone) {
    super();
    this.#inner = inner;
  }

  override get type(): string {
    return "iana";
  }

  override get name(): string {
    return this.#inner.name;
  }

  override get isUniversal(): boolean {
    return false;
  }

  override offsetName(ts: number, options: ZoneOffsetOptions): string {
    // A valid zone always has a name for its offset; "" only to satisfy the wider type.
    return this.#inner.offsetName(ts, options) ?? "";
  }

  override formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.#inner.formatOffset(ts, format);
  }

  override offset(ts: number): number {
    const bucket = Math.floor(ts / BUCKET_MS);
    if (bucket === this.#lastBucket) return this.#lastOffset;
    let offset = this.#offsets.get(bucket);
    if (offset === undefined) {
      offset = this.#inner.offset(ts);
      if (this.#offsets.size >= MAX_BUCKETS_PER_ZONE) this.#offsets.clear();
      this.#offsets.set(bucket, offset);
    }
    this.#lastBucket = bucket;
    this.#lastOffset = offset;
    return offset;
  }

  override equals(other: Zone): boolean {
    return other.type === "iana" && other.name === this.name;
  }

  override get isValid(): true {
    return true;
  }
}

const validity = new Map<string, boolean>();
const zones = new Map<string, CachedZone>();

/**
 * `cache`'s answer for `key`, computed once. Keys come from records and rule files: bounded in
 * practice, but the cache is emptied at `max` entries so it never grows without bound.
 */
export function remembered<K, V>(
  cache: Map<K, V>,
  key: K,
  max: number,
  compute: () => V,
): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = compute();
    if (cache.size >= max) cache.clear();
    cache.set(key, value);
  }
  return value;
}

/** Is `name` an IANA zone this runtime knows? Memoised. */
export function isValidZoneName(name: string): boolean {
  return remembered(validity, name, 10_000, () => IANAZone.isValidZone(name));
}

/** The memoising zone for a valid IANA name; `name` must pass `isValidZoneName`. */
export function zoneNamed(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = new CachedZone(IANAZone.create(name));
    zones.set(name, zone);
  }
  return zone;
}

/** The memoising zone for `name`, UTC when the name is not a valid zone (as `inZone`). */
export function zoneFor(name: string): Zone {
  return isValidZoneName(name) ? zoneNamed(name) : FixedOffsetZone.utcInstance;
}

/** `instant` as a local DateTime in the named zone (UTC when the name is not a valid zone). */
export function inZone(instant: Date, name: string): DateTime {
  return DateTime.fromJSDate(instant, { zone: zoneFor(name) });
}
