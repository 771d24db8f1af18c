// The `format` of GET /statements (xAPI 1.0.3 Communication 2.1.3): pure functions over stored
// statement JSON. They belong in @beklijf/xapi once its rewrite settles (issue #3).
import { assertNever } from "@beklijf/core";

import type { StatementFormat } from "./statement-params";

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Applies `format` to one stored statement; "exact" returns it unchanged. */
export function formatStatement(
  statement: JsonRecord,
  format: StatementFormat,
  languages: readonly string[],
): JsonRecord {
  switch (format) {
    case "exact":
      return statement;
    case "ids":
      return statementIds(statement);
    case "canonical":
      return statementCanonical(statement, languages);
    default:
      return assertNever(format);
  }
}

// --- ids: only what identifies Agents, Groups, Verbs and Activities -----------------------------

const IFI_KEYS = ["mbox", "mbox_sha1sum", "openid", "account"] as const;

function agentIds(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const objectType = value["objectType"] === "Group" ? "Group" : "Agent";
  const ifi = IFI_KEYS.find((key) => value[key] !== undefined);
  if (ifi !== undefined) return { objectType, [ifi]: value[ifi] };
  // An anonymous Group is identified by its members.
  const member = value["member"];
  return Array.isArray(member)
    ? { objectType, member: member.map(agentIds) }
    : { objectType };
}

function activityIds(value: unknown): unknown {
  return isRecord(value) ? { id: value["id"] } : value;
}

function objectIds(value: unknown): unknown {
  if (!isRecord(value)) return value;
  switch (value["objectType"]) {
    case "Agent":
    case "Group":
      return agentIds(value);
    case "StatementRef":
      return value;
    case "SubStatement":
      return partsIds(value);
    default:
      return activityIds(value);
  }
}

function contextIds(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const context: JsonRecord = { ...value };
  if (context["instructor"] !== undefined)
    context["instructor"] = agentIds(context["instructor"]);
  if (context["team"] !== undefined)
    context["team"] = agentIds(context["team"]);
  const activities = context["contextActivities"];
  if (isRecord(activities))
    context["contextActivities"] = mapValues(activities, (list) =>
      Array.isArray(list) ? list.map(activityIds) : activityIds(list),
    );
  return context;
}

/** The parts a statement and a SubStatement share. */
function partsIds(value: JsonRecord): JsonRecord {
  const out: JsonRecord = { ...value, actor: agentIds(value["actor"]) };
  const verb = value["verb"];
  if (isRecord(verb)) out["verb"] = { id: verb["id"] };
  out["object"] = objectIds(value["object"]);
  if (value["context"] !== undefined)
    out["context"] = contextIds(value["context"]);
  return out;
}

function statementIds(statement: JsonRecord): JsonRecord {
  const out = partsIds(statement);
  if (statement["authority"] !== undefined)
    out["authority"] = agentIds(statement["authority"]);
  return out;
}

// --- canonical: one language per language map of Verbs and Activities --------------------------

/** Interaction components, each a list of { id, description }. */
const COMPONENT_LISTS = ["choices", "scale", "source", "target", "steps"];

function oneLanguage(value: unknown, languages: readonly string[]): unknown {
  if (!isRecord(value)) return value;
  const key = chooseLanguage(Object.keys(value), languages);
  return key === undefined ? value : { [key]: value[key] };
}

function activityCanonical(
  value: unknown,
  languages: readonly string[],
): unknown {
  if (!isRecord(value)) return value;
  const definition = value["definition"];
  if (!isRecord(definition)) return value;
  const out: JsonRecord = { ...definition };
  for (const key of ["name", "description"])
    if (out[key] !== undefined) out[key] = oneLanguage(out[key], languages);
  for (const key of COMPONENT_LISTS) {
    const list: unknown = out[key];
    if (Array.isArray(list))
      out[key] = list.map((component: unknown) =>
        isRecord(component) && component["description"] !== undefined
          ? {
              ...component,
              description: oneLanguage(component["description"], languages),
            }
          : component,
      );
  }
  return { ...value, definition: out };
}

function partsCanonical(
  value: JsonRecord,
  languages: readonly string[],
): JsonRecord {
  const out: JsonRecord = { ...value };
  const verb = value["verb"];
  if (isRecord(verb) && verb["display"] !== undefined)
    out["verb"] = { ...verb, display: oneLanguage(verb["display"], languages) };
  const object = value["object"];
  if (isRecord(object)) {
    const objectType = object["objectType"];
    if (objectType === undefined || objectType === "Activity")
      out["object"] = activityCanonical(object, languages);
    else if (objectType === "SubStatement")
      out["object"] = partsCanonical(object, languages);
  }
  const context = value["context"];
  if (isRecord(context) && isRecord(context["contextActivities"]))
    out["context"] = {
      ...context,
      contextActivities: mapValues(context["contextActivities"], (list) =>
        Array.isArray(list)
          ? list.map((a) => activityCanonical(a, languages))
          : activityCanonical(list, languages),
      ),
    };
  return out;
}

function statementCanonical(
  statement: JsonRecord,
  languages: readonly string[],
): JsonRecord {
  return partsCanonical(statement, languages);
}

function mapValues(
  record: JsonRecord,
  map: (value: unknown) => unknown,
): JsonRecord {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key, map(value)]),
  );
}

// --- Accept-Language (RFC 2616 section 14.4), applied to each language map ---------------------

/** The language ranges of an Accept-Language header, most preferred first (q=0 left out). */
export function acceptedLanguages(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((part, index) => {
      const [range = "", ...params] = part.trim().split(";");
      const q = params
        .map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1])
        .find((v) => v !== undefined);
      return { range: range.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.range !== "" && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((entry) => entry.range);
}

/**
 * The key of a language map to keep: the first range that matches a key exactly or as a prefix
 * ("en" matches "en-GB"; "*" matches anything), then a key in the same primary language, then
 * English, then the first key.
 */
export function chooseLanguage(
  keys: readonly string[],
  languages: readonly string[],
): string | undefined {
  const lower = keys.map((k) => k.toLowerCase());
  for (const range of languages) {
    const r = range.toLowerCase();
    if (r === "*") return keys[0];
    const exact = lower.indexOf(r);
    if (exact >= 0) return keys[exact];
    const prefixed = lower.findIndex((k) => k.startsWith(`${r}-`));
    if (prefixed >= 0) return keys[prefixed];
  }
  for (const range of languages) {
    const primary = range.toLowerCase().split("-")[0] ?? "";
    const same = lower.findIndex((k) => k.split("-")[0] === primary);
    if (same >= 0) return keys[same];
  }
  const english = lower.findIndex((k) => k === "en" || k.startsWith("en-"));
  return english >= 0 ? keys[english] : keys[0];
}
