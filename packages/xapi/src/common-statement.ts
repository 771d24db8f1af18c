import { MAILTO, MBOX_SHA1SUM } from "./actor";
import { isDuration } from "./duration";
import { isIri, isIrl } from "./iri";
import { isPlainObject } from "./language-map";
import { isLanguageTag } from "./language-tag";
import type { Statement } from "./statement";
import { STATEMENT_VERSION, VOIDED_VERB } from "./statement";
import { parseTimestamp } from "./timestamp";
import { STATEMENT_UUID, UUID_FORM } from "./uuid";

// The statements LMSs send almost always have one shape: an Agent, a verb, an Activity, and
// perhaps a result, a context with a registration and contextActivities, and a timestamp.
// commonStatement checks that shape by hand, with the same rules and the same helpers as the zod
// schema in statement.ts (isIri, isLanguageTag, parseTimestamp, the same patterns), and gives the
// same value the schema would. It never refuses anything: whatever it does not accept (any
// other shape, any rule broken, anything it is unsure of) it leaves to the schema, which then
// decides and words every issue. So it can only make the common case cheaper, never change an
// answer; prepare.test.ts holds it to the schema's output.

type Json = Record<string, unknown>;

/** Checks each property of `input` with `check`; false for an unknown or undefined one. */
function eachProperty(
  input: Json,
  check: (key: string, value: unknown) => boolean,
): boolean {
  for (const key in input) {
    if (!Object.hasOwn(input, key)) return false;
    const value = input[key];
    if (value === undefined || !check(key, value)) return false;
  }
  return true;
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isIriString(value: unknown): boolean {
  return typeof value === "string" && isIri(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isLanguageMap(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    eachProperty(value, (key, text) => isLanguageTag(key) && isString(text))
  );
}

function isExtensions(value: unknown): boolean {
  return isPlainObject(value) && eachProperty(value, (key) => isIri(key));
}

/** An Agent with exactly one identifier (Data 2.4.2.1), as Agent outputs it; else undefined. */
function agent(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  let identifiers = 0;
  const ok = eachProperty(input, (key, value) => {
    switch (key) {
      case "objectType":
        return value === "Agent";
      case "name":
        return isString(value);
      case "mbox":
        identifiers += 1;
        return isString(value) && MAILTO.test(value);
      case "mbox_sha1sum":
        identifiers += 1;
        return isString(value) && MBOX_SHA1SUM.test(value);
      case "openid":
        identifiers += 1;
        return isIriString(value);
      case "account":
        identifiers += 1;
        return isAccount(value);
      default:
        return false;
    }
  });
  if (!ok || identifiers !== 1) return undefined;
  const account = input.account as Json | undefined;
  return pick(input, {
    objectType: input.objectType,
    name: input.name,
    mbox: input.mbox,
    mbox_sha1sum: input.mbox_sha1sum,
    openid: input.openid,
    account:
      account === undefined
        ? undefined
        : { homePage: account.homePage, name: account.name },
  });
}

function isAccount(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    typeof value.homePage === "string" &&
    isIrl(value.homePage) &&
    typeof value.name === "string" &&
    value.name.length > 0 &&
    eachProperty(value, (key) => key === "homePage" || key === "name")
  );
}

/** A plain Activity (no interaction properties), as Activity outputs it; else undefined. */
function activity(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  let definition: Json | undefined;
  const ok = eachProperty(input, (key, value) => {
    switch (key) {
      case "objectType":
        return value === "Activity";
      case "id":
        return isIriString(value);
      case "definition":
        definition = activityDefinition(value);
        return definition !== undefined;
      default:
        return false;
    }
  });
  if (!ok || input.id === undefined) return undefined;
  return pick(input, {
    objectType: input.objectType,
    id: input.id,
    definition,
  });
}

function activityDefinition(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  const ok = eachProperty(input, (key, value) => {
    switch (key) {
      case "name":
      case "description":
        return isLanguageMap(value);
      case "type":
        return isIriString(value);
      case "moreInfo":
        return typeof value === "string" && isIrl(value);
      case "extensions":
        return isExtensions(value);
      default:
        return false;
    }
  });
  if (!ok) return undefined;
  return pick(input, {
    name: input.name,
    description: input.description,
    type: input.type,
    moreInfo: input.moreInfo,
    extensions: input.extensions,
  });
}

function verb(input: unknown): Json | undefined {
  if (!isPlainObject(input) || !isIriString(input.id)) return undefined;
  const ok = eachProperty(input, (key, value) =>
    key === "id" ? true : key === "display" && isLanguageMap(value),
  );
  return ok ? pick(input, { id: input.id, display: input.display }) : undefined;
}

function isTimestamp(value: unknown): boolean {
  return typeof value === "string" && parseTimestamp(value).ok;
}

function score(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  const ok = eachProperty(input, (key, value) => {
    if (!isFiniteNumber(value)) return false;
    if (key === "scaled") return value >= -1 && value <= 1;
    return key === "raw" || key === "min" || key === "max";
  });
  if (!ok) return undefined;
  const { raw, min, max } = input as Partial<Record<string, number>>;
  if (min !== undefined && max !== undefined && min > max) return undefined;
  if (
    raw !== undefined &&
    ((min !== undefined && raw < min) || (max !== undefined && raw > max))
  )
    return undefined;
  return pick(input, { scaled: input.scaled, raw, min, max });
}

function result(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  let scored: Json | undefined;
  const ok = eachProperty(input, (key, value) => {
    switch (key) {
      case "score":
        scored = score(value);
        return scored !== undefined;
      case "success":
      case "completion":
        return typeof value === "boolean";
      case "response":
        return isString(value);
      case "duration":
        return typeof value === "string" && isDuration(value);
      case "extensions":
        return isExtensions(value);
      default:
        return false;
    }
  });
  if (!ok) return undefined;
  return pick(input, {
    score: scored,
    success: input.success,
    completion: input.completion,
    response: input.response,
    duration: input.duration,
    extensions: input.extensions,
  });
}

/** One contextActivities list: an array of Activities, or one Activity read as a list of one. */
function activityList(input: unknown): unknown[] | undefined {
  const items = isPlainObject(input) ? [input] : input;
  if (!Array.isArray(items)) return undefined;
  const out: unknown[] = [];
  for (const item of items as unknown[]) {
    const parsed = activity(item);
    if (parsed === undefined) return undefined;
    out.push(parsed);
  }
  return out;
}

function contextActivities(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  const lists: Json = {};
  const ok = eachProperty(input, (key, value) => {
    if (
      key !== "parent" &&
      key !== "grouping" &&
      key !== "category" &&
      key !== "other"
    )
      return false;
    const list = activityList(value);
    lists[key] = list;
    return list !== undefined;
  });
  // At least one list: an empty contextActivities is the schema's to refuse.
  if (!ok || Object.keys(lists).length === 0) return undefined;
  return pick(input, {
    parent: lists.parent,
    grouping: lists.grouping,
    category: lists.category,
    other: lists.other,
  });
}

/** A context without instructor, team, statement or the 2.0.0 lists; else undefined. */
function context(input: unknown): Json | undefined {
  if (!isPlainObject(input)) return undefined;
  let activities: Json | undefined;
  const ok = eachProperty(input, (key, value) => {
    switch (key) {
      case "registration":
        return typeof value === "string" && UUID_FORM.test(value);
      case "contextActivities":
        activities = contextActivities(value);
        return activities !== undefined;
      case "revision":
      case "platform":
        return isString(value);
      case "language":
        return typeof value === "string" && isLanguageTag(value);
      case "extensions":
        return isExtensions(value);
      default:
        return false;
    }
  });
  if (!ok) return undefined;
  return pick(input, {
    registration: input.registration,
    contextActivities: activities,
    revision: input.revision,
    platform: input.platform,
    language: input.language,
    extensions: input.extensions,
  });
}

/**
 * `fields` (in the schema's order) without the properties `input` does not have, as zod's
 * objects leave them out.
 */
function pick(input: Json, fields: Json): Json {
  const out: Json = {};
  for (const key in fields)
    if (Object.hasOwn(input, key) && fields[key] !== undefined)
      out[key] = fields[key];
  return out;
}

/**
 * The statement as the Statement schema would output it, if `input` has the common shape and
 * breaks no rule; undefined otherwise (then only the schema can say whether and why it is
 * invalid).
 */
export function commonStatement(input: unknown): Statement | undefined {
  if (!isPlainObject(input)) return undefined;
  const parts: Json = {};
  const ok = eachProperty(input, (key, value) => {
    let part: unknown;
    switch (key) {
      case "id":
        return typeof value === "string" && STATEMENT_UUID.test(value);
      case "actor":
        part = agent(value);
        break;
      case "verb":
        part = verb(value);
        break;
      case "object":
        part = activity(value);
        break;
      case "result":
        part = result(value);
        break;
      case "context":
        part = context(value);
        break;
      case "timestamp":
        return isTimestamp(value);
      case "version":
        return typeof value === "string" && STATEMENT_VERSION.test(value);
      default:
        return false;
    }
    parts[key] = part;
    return part !== undefined;
  });
  if (
    !ok ||
    parts.actor === undefined ||
    parts.verb === undefined ||
    parts.object === undefined ||
    // A voiding statement needs a StatementRef object: the schema says so in its own words.
    (parts.verb as Json).id === VOIDED_VERB
  )
    return undefined;
  return pick(input, {
    id: input.id,
    actor: parts.actor,
    verb: parts.verb,
    object: parts.object,
    result: parts.result,
    context: parts.context,
    timestamp: input.timestamp,
    version: input.version,
  }) as Statement;
}
