import { isUuid, ValidationError } from "@beklijf/core";
import type { AgentIdentifier } from "@beklijf/db";
import { Actor } from "@beklijf/xapi";

/** Most statements one page holds; `limit=0` (the default) means this many. */
export const MAX_PAGE_SIZE = 500;

/** How GET answers: as stored, reduced to identifiers, or language maps reduced to one language. */
export type StatementFormat = "exact" | "ids" | "canonical";

/** The filters of a statement query, as parsed from GET /statements (or a more token). */
export interface QueryFilters {
  readonly agent?: AgentIdentifier;
  readonly relatedAgents: boolean;
  readonly verbId?: string;
  readonly activityId?: string;
  readonly relatedActivities: boolean;
  readonly registration?: string;
  readonly since?: Date;
  readonly until?: Date;
  readonly limit: number;
  readonly ascending: boolean;
}

/** What a GET of the statement resource asks for. */
export type StatementsRequest =
  | {
      readonly kind: "single";
      readonly id: string;
      /** True for ?voidedStatementId. */
      readonly voided: boolean;
      readonly format: StatementFormat;
      readonly attachments: boolean;
    }
  | {
      readonly kind: "query";
      readonly filters: QueryFilters;
      readonly format: StatementFormat;
      readonly attachments: boolean;
      /** The parameters as a canonical query string, for the more token. */
      readonly canonical: string;
    }
  | { readonly kind: "more"; readonly token: string };

const QUERY_PARAMETERS = [
  "agent",
  "verb",
  "activity",
  "registration",
  "related_activities",
  "related_agents",
  "since",
  "until",
  "limit",
  "format",
  "attachments",
  "ascending",
] as const;
const SINGLE_PARAMETERS = new Set(["format", "attachments"]);
const KNOWN = new Set<string>([
  ...QUERY_PARAMETERS,
  "statementId",
  "voidedStatementId",
  "more",
]);
/** @xapi/xapi's `useCacheBuster` adds this; it means nothing to the query. */
const IGNORED = new Set(["cachebuster"]);

const IRI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const TIMESTAMP =
  /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d(:?\d\d)?)?)?$/i;

function invalid(
  parameter: string,
  message: string,
  code = "QUERY_INVALID",
): ValidationError {
  return new ValidationError(
    `Query parameter ${parameter} ${message}.`,
    [{ path: [parameter], message }],
    code,
  );
}

/**
 * Parses the query string of GET /statements (xAPI 1.0.3 Communication 2.1.3). Names are
 * case-sensitive and each may appear once; an unknown parameter is a 400, as is statementId or
 * voidedStatementId together with anything but format and attachments.
 */
export function parseStatementsRequest(
  params: URLSearchParams,
): StatementsRequest {
  const values = new Map<string, string>();
  for (const [name, value] of params) {
    if (IGNORED.has(name)) continue;
    if (!KNOWN.has(name))
      throw invalid(
        name,
        `is not one of the statement resource's (${[...KNOWN].join(", ")}); names are case-sensitive`,
        "QUERY_PARAMETER_UNKNOWN",
      );
    if (values.has(name)) throw invalid(name, "must appear only once");
    values.set(name, value);
  }
  const more = values.get("more");
  if (more !== undefined) {
    if (values.size > 1)
      throw invalid(
        "more",
        "must be the only parameter: the token holds the query",
      );
    return { kind: "more", token: more };
  }
  const format = parseFormat(values.get("format"));
  const attachments = parseBoolean(values, "attachments");
  const statementId = values.get("statementId");
  const voidedStatementId = values.get("voidedStatementId");
  if (statementId !== undefined || voidedStatementId !== undefined) {
    if (statementId !== undefined && voidedStatementId !== undefined)
      throw invalid(
        "statementId",
        "must not be combined with voidedStatementId",
      );
    const name =
      statementId === undefined ? "voidedStatementId" : "statementId";
    const others = [...values.keys()].filter(
      (key) => key !== name && !SINGLE_PARAMETERS.has(key),
    );
    if (others.length > 0)
      throw invalid(
        name,
        `may only be combined with format and attachments, not with ${others.join(", ")}`,
      );
    const id = statementId ?? voidedStatementId ?? "";
    if (!isUuid(id)) throw invalid(name, "must be a UUID");
    return {
      kind: "single",
      id: id.toLowerCase(),
      voided: statementId === undefined,
      format,
      attachments,
    };
  }
  const ordered = new URLSearchParams();
  for (const name of QUERY_PARAMETERS) {
    const value = values.get(name);
    if (value !== undefined) ordered.append(name, value);
  }
  const canonical = ordered.toString();
  return {
    kind: "query",
    filters: parseFilters(values),
    format,
    attachments,
    canonical,
  };
}

function parseFilters(values: Map<string, string>): QueryFilters {
  const verb = values.get("verb");
  const activity = values.get("activity");
  const registration = values.get("registration");
  const agent = values.get("agent");
  if (verb !== undefined && !IRI.test(verb))
    throw invalid("verb", "must be an IRI (a verb id)");
  if (activity !== undefined && !IRI.test(activity))
    throw invalid("activity", "must be an IRI (an activity id)");
  if (registration !== undefined && !isUuid(registration))
    throw invalid("registration", "must be a UUID");
  return {
    ...(agent === undefined ? {} : { agent: parseAgent(agent) }),
    relatedAgents: parseBoolean(values, "related_agents"),
    ...(verb === undefined ? {} : { verbId: verb }),
    ...(activity === undefined ? {} : { activityId: activity }),
    relatedActivities: parseBoolean(values, "related_activities"),
    ...(registration === undefined
      ? {}
      : { registration: registration.toLowerCase() }),
    ...optionalTimestamp(values, "since"),
    ...optionalTimestamp(values, "until"),
    limit: parseLimit(values.get("limit")),
    ascending: parseBoolean(values, "ascending"),
  };
}

function parseFormat(value: string | undefined): StatementFormat {
  switch (value) {
    case undefined:
    case "exact":
      return "exact";
    case "ids":
    case "canonical":
      return value;
    default:
      throw invalid("format", "must be exact, ids or canonical");
  }
}

function parseBoolean(values: Map<string, string>, name: string): boolean {
  const value = values.get(name);
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  throw invalid(name, "must be true or false");
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return MAX_PAGE_SIZE;
  if (!/^\d+$/.test(value))
    throw invalid("limit", "must be a non-negative integer");
  const limit = Number(value);
  return limit === 0 ? MAX_PAGE_SIZE : Math.min(limit, MAX_PAGE_SIZE);
}

function optionalTimestamp(
  values: Map<string, string>,
  name: "since" | "until",
): { since?: Date } | { until?: Date } {
  // An unencoded "+01:00" arrives as " 01:00": a timestamp has no spaces, so put the plus back.
  const value = values.get(name)?.replace(" ", "+");
  if (value === undefined) return {};
  // A timestamp without a zone is read as UTC, like the stored times it is compared with.
  const zoned =
    /T/i.test(value) && !/(Z|[+-]\d\d(:?\d\d)?)$/i.test(value)
      ? `${value}Z`
      : value;
  const instant = new Date(zoned);
  if (!TIMESTAMP.test(value) || Number.isNaN(instant.getTime()))
    throw invalid(
      name,
      "must be an ISO 8601 timestamp such as 2026-05-04T10:00:00Z",
    );
  return name === "since" ? { since: instant } : { until: instant };
}

/** The agent filter: an Agent or an identified Group, as JSON. */
function parseAgent(value: string): AgentIdentifier {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw invalid("agent", "must be an Agent or identified Group as JSON");
  }
  const parsed = Actor.safeParse(json);
  if (!parsed.success)
    throw invalid(
      "agent",
      `must be an Agent or identified Group as JSON (${parsed.error.issues[0]?.message ?? "invalid"})`,
    );
  const actor = parsed.data;
  if (actor.mbox !== undefined) return { kind: "mbox", value: actor.mbox };
  if (actor.mbox_sha1sum !== undefined)
    return { kind: "mbox_sha1sum", value: actor.mbox_sha1sum };
  if (actor.openid !== undefined)
    return { kind: "openid", value: actor.openid };
  if (actor.account !== undefined)
    return {
      kind: "account",
      homePage: actor.account.homePage,
      name: actor.account.name,
    };
  throw invalid(
    "agent",
    "must identify the Agent or Group by mbox, mbox_sha1sum, openid or account (an anonymous Group cannot be a filter)",
  );
}
