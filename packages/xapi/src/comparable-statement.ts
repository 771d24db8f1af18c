import { assertNever } from "@beklijf/core";

import type { Activity } from "./activity";
import type { Actor } from "./actor";
import type { Attachment } from "./attachment";
import type { Context } from "./context";
import { comparableDuration } from "./duration";
import type { Extensions, LanguageMap } from "./language-map";
import type { Result } from "./result";
import type {
  Statement,
  StatementObject,
  SubStatement,
  Verb,
} from "./statement";
import { parseTimestamp } from "./timestamp";

// The statement as xAPI compares statements (Data 2.3.1, "Statement Comparison Requirements"):
// differences that the exceptions to statement immutability could have caused are ignored, and
// every other difference counts. Ignored: what the LRS assigns (id, stored, authority, version),
// Activity Definitions and verb displays (not part of the statement), the notation of timestamps
// (compared as instants, to the millisecond), the order of a Group's members (an unordered list),
// a single contextActivities Activity against an array of one (parsing already makes it an array),
// an objectType the LRS would fill in, case where a value is case-insensitive (email address,
// UUID, hex hash), and duration precision beyond 0.01 s.
//
// Every object is built here with its keys in a fixed order, and free-form maps (extensions,
// language maps) get sorted keys, so JSON.stringify of the result is canonical: equal statements
// give equal text. Undefined properties disappear in JSON.stringify, as absent ones do.

/** Free-form JSON (extension values) with object keys sorted, all the way down. */
function sortedJson(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(sortedJson);
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort())
    out[key] = sortedJson(record[key]);
  return out;
}

function sortedMap(map: Extensions | LanguageMap | undefined): unknown {
  return map === undefined ? undefined : sortedJson(map);
}

/** A timestamp exactly as toISOString writes one (UTC, milliseconds, capital T and Z). */
const ISO_STRING = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function instant(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = parseTimestamp(value);
  if (!parsed.ok) return value;
  // A valid timestamp already in toISOString's form is the text formatting it would give.
  return ISO_STRING.test(value)
    ? value
    : new Date(parsed.epochMs).toISOString();
}

function comparableAgent(agent: {
  name?: string | undefined;
  mbox?: string | undefined;
  mbox_sha1sum?: string | undefined;
  openid?: string | undefined;
  account?: { homePage: string; name: string } | undefined;
}): unknown {
  return {
    objectType: "Agent",
    name: agent.name,
    mbox: agent.mbox?.toLowerCase(),
    mbox_sha1sum: agent.mbox_sha1sum?.toLowerCase(),
    openid: agent.openid,
    account:
      agent.account === undefined
        ? undefined
        : { homePage: agent.account.homePage, name: agent.account.name },
  };
}

function comparableActor(actor: Actor): unknown {
  if (actor.objectType !== "Group") return comparableAgent(actor);
  const members = actor.member
    ?.map((member) => {
      const agent = comparableAgent(member);
      return { agent, text: JSON.stringify(agent) };
    })
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
    .map(({ agent }) => agent);
  return {
    objectType: "Group",
    name: actor.name,
    mbox: actor.mbox?.toLowerCase(),
    mbox_sha1sum: actor.mbox_sha1sum?.toLowerCase(),
    openid: actor.openid,
    account:
      actor.account === undefined
        ? undefined
        : { homePage: actor.account.homePage, name: actor.account.name },
    member: members,
  };
}

function comparableVerb(verb: Verb): unknown {
  return { id: verb.id };
}

function comparableActivity(activity: Activity): unknown {
  return { objectType: "Activity", id: activity.id };
}

function comparableResult(result: Result | undefined): unknown {
  if (result === undefined) return undefined;
  const score = result.score;
  return {
    score:
      score === undefined
        ? undefined
        : {
            scaled: score.scaled,
            raw: score.raw,
            min: score.min,
            max: score.max,
          },
    success: result.success,
    completion: result.completion,
    response: result.response,
    duration:
      result.duration === undefined
        ? undefined
        : comparableDuration(result.duration),
    extensions: sortedMap(result.extensions),
  };
}

function comparableContext(context: Context | undefined): unknown {
  if (context === undefined) return undefined;
  const activities = context.contextActivities;
  return {
    registration: context.registration?.toLowerCase(),
    instructor:
      context.instructor === undefined
        ? undefined
        : comparableActor(context.instructor),
    team:
      context.team === undefined ? undefined : comparableActor(context.team),
    contextActivities:
      activities === undefined
        ? undefined
        : {
            parent: activities.parent?.map(comparableActivity),
            grouping: activities.grouping?.map(comparableActivity),
            category: activities.category?.map(comparableActivity),
            other: activities.other?.map(comparableActivity),
          },
    revision: context.revision,
    platform: context.platform,
    language: context.language?.toLowerCase(),
    statement:
      context.statement === undefined
        ? undefined
        : {
            objectType: "StatementRef",
            id: context.statement.id.toLowerCase(),
          },
    extensions: sortedMap(context.extensions),
    contextAgents: context.contextAgents?.map((entry) => ({
      objectType: entry.objectType,
      agent: comparableAgent(entry.agent),
      relevantTypes: entry.relevantTypes,
    })),
    contextGroups: context.contextGroups?.map((entry) => ({
      objectType: entry.objectType,
      group: comparableActor(entry.group),
      relevantTypes: entry.relevantTypes,
    })),
  };
}

function comparableAttachments(
  attachments: readonly Attachment[] | undefined,
): unknown {
  return attachments?.map((attachment) => ({
    usageType: attachment.usageType,
    display: sortedMap(attachment.display),
    description: sortedMap(attachment.description),
    contentType: attachment.contentType,
    length: attachment.length,
    sha2: attachment.sha2.toLowerCase(),
    fileUrl: attachment.fileUrl,
  }));
}

function comparableObject(
  object: StatementObject | SubStatement["object"],
): unknown {
  switch (object.objectType) {
    case undefined:
    case "Activity":
      return comparableActivity(object);
    case "Agent":
    case "Group":
      return comparableActor(object);
    case "StatementRef":
      return { objectType: "StatementRef", id: object.id.toLowerCase() };
    case "SubStatement":
      return {
        objectType: "SubStatement",
        actor: comparableActor(object.actor),
        verb: comparableVerb(object.verb),
        object: comparableObject(object.object),
        result: comparableResult(object.result),
        context: comparableContext(object.context),
        timestamp: instant(object.timestamp),
        attachments: comparableAttachments(object.attachments),
      };
    default:
      return assertNever(object);
  }
}

/**
 * The parts of a statement that decide whether two statements with one id are the same, as plain
 * data whose JSON.stringify is canonical.
 */
export function comparableStatement(statement: Statement): unknown {
  return {
    actor: comparableActor(statement.actor),
    verb: comparableVerb(statement.verb),
    object: comparableObject(statement.object),
    result: comparableResult(statement.result),
    context: comparableContext(statement.context),
    timestamp: instant(statement.timestamp),
    attachments: comparableAttachments(statement.attachments),
  };
}
