import type { z } from "zod";

// Plain-words messages for the issues zod raises itself (a wrong type, a missing or unknown key, an
// objectType no option has). The schemas' own checks carry their messages; this map covers the rest
// when prepareStatement parses. Each message says what is wrong and what to send instead; the
// issue's path says where.

type RawIssue = z.core.$ZodRawIssue;

const NOUNS: Readonly<Record<string, string>> = {
  object: "an object",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "an array",
  record: "an object",
  never: "nothing (leave it out)",
};

/** The elements of an issue field that should be an array, typed as unknown. */
function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function nounFor(expected: unknown): string {
  return typeof expected === "string"
    ? (NOUNS[expected] ?? `a ${expected}`)
    : "another value";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value)}`;
    case "number":
      return `the number ${String(value)}`;
    case "boolean":
      return `the boolean ${String(value)}`;
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

function typeMessage(issue: RawIssue & { expected?: unknown }): string {
  const noun = nounFor(issue.expected);
  const input = issue.input;
  if (input === undefined) return `is required but missing: send ${noun} here`;
  if (input === null) {
    return "must not be null: leave the property out instead (null is only allowed inside extensions)";
  }
  let hint = "";
  if (
    (issue.expected === "number" || issue.expected === "int") &&
    typeof input === "string" &&
    input.trim() !== "" &&
    !Number.isNaN(Number(input))
  ) {
    hint = `: send ${input} without quotes`;
  } else if (
    issue.expected === "boolean" &&
    (input === "true" || input === "false")
  ) {
    hint = `: send ${input} without quotes`;
  }
  return `must be ${noun}, not ${describe(input)}${hint}`;
}

/** Reads `path` from zod's internals, which are not typed for this use. */
function dig(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = Reflect.get(current, key) as unknown;
  }
  return current;
}

/** The property names an object schema defines, read from the schema that raised the issue. */
function knownKeys(issue: RawIssue): string[] {
  const shape = dig(issue.inst, "_zod", "def", "shape");
  if (typeof shape !== "object" || shape === null) return [];
  // A key whose schema is never() is in the shape only to be refused (a SubStatement's id).
  return Object.keys(shape).filter((key) => {
    const def = dig(shape, key, "_zod", "def");
    const type = dig(def, "type");
    const inner =
      type === "optional" ? dig(def, "innerType", "_zod", "def", "type") : type;
    return inner !== "never";
  });
}

const IDENTIFIER_KEYS = new Set([
  "mbox",
  "mbox_sha1sum",
  "openid",
  "account",
  "member",
]);

function unknownKeysMessage(issue: RawIssue & { keys?: unknown }): string {
  const keys = asArray(issue.keys).filter(
    (key): key is string => typeof key === "string",
  );
  const known = knownKeys(issue);
  const parts = keys.map((key) => {
    const sameButCase = known.find(
      (name) => name.toLowerCase() === key.toLowerCase(),
    );
    if (sameButCase !== undefined) {
      return `"${key}" is not an xAPI property: property names are case-sensitive, send "${sameButCase}"`;
    }
    return `"${key}" is not allowed here${known.length > 0 ? ` (allowed: ${known.join(", ")})` : ""}: remove it`;
  });
  // An Agent sent as a statement's object without objectType reads as an Activity.
  if (
    known.includes("definition") &&
    keys.some((k) => IDENTIFIER_KEYS.has(k))
  ) {
    parts.push(
      'an object without objectType is an Activity; to make an Agent or Group the object, add "objectType": "Agent" or "Group"',
    );
  }
  return parts.join("; ");
}

/** "a", "b" or "c"; an option that may be left out (an Activity's objectType) says so. */
function quoted(values: readonly unknown[]): string {
  const optional = values.includes(undefined);
  const shown = values
    .filter((value) => value !== undefined)
    .map(
      (value, index) =>
        `${JSON.stringify(value)}${optional && index === 0 ? " (or left out)" : ""}`,
    );
  return shown.length <= 1
    ? shown.join("")
    : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1) ?? ""}`;
}

function valueMessage(issue: RawIssue & { values?: unknown }): string {
  const values = asArray(issue.values);
  const input = issue.input;
  if (input === undefined)
    return `is required but missing: send ${quoted(values)}`;
  if (input === null) return typeMessage({ ...issue, expected: "string" });
  const sameButCase =
    typeof input === "string"
      ? values.find(
          (value) =>
            typeof value === "string" &&
            value.toLowerCase() === input.toLowerCase(),
        )
      : undefined;
  return sameButCase === undefined
    ? `must be ${quoted(values)}, not ${describe(input)}`
    : `must be ${JSON.stringify(sameButCase)}: values are case-sensitive`;
}

function unionMessage(
  issue: RawIssue & { discriminator?: unknown; options?: unknown },
): string {
  if (typeof issue.discriminator !== "string") {
    return "does not match any form xAPI allows here";
  }
  const options = asArray(issue.options);
  const input = issue.input;
  const given =
    typeof input === "object" && input !== null
      ? (Reflect.get(input, issue.discriminator) as unknown)
      : undefined;
  if (given === "SubStatement" && !options.includes("SubStatement")) {
    return `a SubStatement cannot contain another SubStatement: its object's ${issue.discriminator} must be ${quoted(options)}`;
  }
  const sameButCase =
    typeof given === "string"
      ? options.find(
          (value) =>
            typeof value === "string" &&
            value.toLowerCase() === given.toLowerCase(),
        )
      : undefined;
  if (sameButCase !== undefined) {
    return `${issue.discriminator} must be ${JSON.stringify(sameButCase)}: values are case-sensitive`;
  }
  return `${issue.discriminator} must be ${quoted(options)}, not ${given === undefined ? "left out" : describe(given)}`;
}

function sizeMessage(
  issue: RawIssue & {
    origin?: unknown;
    minimum?: unknown;
    maximum?: unknown;
    inclusive?: unknown;
  },
): string {
  const exclusive = issue.inclusive === false;
  if (issue.code === "too_big") {
    const limit = String(issue.maximum);
    return issue.origin === "array" || issue.origin === "string"
      ? `must have at most ${limit} ${issue.origin === "array" ? "items" : "characters"}`
      : `must be ${exclusive ? "less than" : "at most"} ${limit}`;
  }
  const limit = String(issue.minimum);
  if (issue.origin === "array") return `must list at least ${limit} item(s)`;
  if (issue.origin === "string") {
    return limit === "1"
      ? "must not be empty"
      : `must have at least ${limit} characters`;
  }
  return `must be ${exclusive ? "greater than" : "at least"} ${limit}`;
}

/** A zod error map for statement parsing: plain words, and what to send instead. */
export function issueMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      return typeMessage(issue);
    case "unrecognized_keys":
      return unknownKeysMessage(issue);
    case "invalid_value":
      return valueMessage(issue);
    case "invalid_union":
      return unionMessage(issue);
    case "too_big":
    case "too_small":
      return sizeMessage(issue);
    case "invalid_key":
      return `${JSON.stringify(issue.input)} is not allowed as a key here`;
    default:
      return undefined;
  }
}
