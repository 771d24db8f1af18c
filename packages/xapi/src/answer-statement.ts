import { err, type Issue, ok, type Result, uuidV5 } from "@beklijf/core";

import { validateStatement } from "./prepare";
import type { Statement } from "./statement";

/** Extension IRIs of beklijf's own, for what no established vocabulary names. */
export const BEKLIJF_EXTENSIONS = {
  /** The Wenger-Trayner value-creation level (1-5) an answer reflects on. */
  valueLevel: "https://beklijf.dev/xapi/extensions/value-level",
  /** The answer's kind in beklijf: reflection, applied, manager-confirmed, manager-discussed. */
  answerKind: "https://beklijf.dev/xapi/extensions/answer-kind",
  /** "applied", "partly" or "not-yet", for an answer to "did you apply it?". */
  appliedStatus: "https://beklijf.dev/xapi/extensions/applied-status",
} as const;

/**
 * Verbs per answer kind. Established vocabulary only: ADL's `answered` (the actor replied to a
 * question; the text goes in result.response) for the learner's reflections and application
 * reports, ADL's `commented` for a manager noting the talk took place, and Activity Streams'
 * `confirm` for a manager confirming the application.
 */
const VERB_OF_KIND: Readonly<
  Record<string, { id: string; display: Record<string, string> }>
> = {
  reflection: {
    id: "http://adlnet.gov/expapi/verbs/answered",
    display: { "en-US": "answered", "nl-NL": "beantwoordde" },
  },
  applied: {
    id: "http://adlnet.gov/expapi/verbs/answered",
    display: { "en-US": "answered", "nl-NL": "beantwoordde" },
  },
  "manager-confirmed": {
    id: "http://activitystrea.ms/schema/1.0/confirm",
    display: { "en-US": "confirmed", "nl-NL": "bevestigde" },
  },
  "manager-discussed": {
    id: "http://adlnet.gov/expapi/verbs/commented",
    display: { "en-US": "commented", "nl-NL": "gaf commentaar" },
  },
};

/** Namespace of the ids of forwarded answers: the same answer always gets the same id. */
const ANSWER_STATEMENT_NAMESPACE = uuidV5("beklijf:answer-statement");

/** The id of the statement that carries an answer to an LRS (uuid v5 of the answer id). */
export function answerStatementId(answerId: string): string {
  return uuidV5(answerId.toLowerCase(), ANSWER_STATEMENT_NAMESPACE);
}

export interface AnswerForStatement {
  readonly answerId: string;
  readonly kind: string;
  /** The answer's value as stored, e.g. { level: 2, text: "…" }. */
  readonly value: unknown;
  readonly answeredAt: Date;
  /** Who answered, as an xAPI Agent (the learner's identity as the trigger statement carried it). */
  readonly actor: unknown;
  /** The statement that started the plan: its object (the training) and registration are reused. */
  readonly trigger: { readonly id: string; readonly statement: unknown };
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null
    ? Reflect.get(value, key)
    : undefined;
}

/**
 * The xAPI statement that reports an answer back to the LRS: actor = who answered, object = the
 * training activity of the trigger statement, context.statement = a StatementRef to the trigger,
 * the value level and kind as extensions, and a deterministic id so a retry cannot store it twice.
 * Returns the issues when the result is not valid xAPI (e.g. the trigger's object is no Activity).
 */
export function answerStatement(
  input: AnswerForStatement,
): Result<Statement, Issue[]> {
  const object = field(input.trigger.statement, "object");
  const registration = field(
    field(input.trigger.statement, "context"),
    "registration",
  );
  const level = field(input.value, "level");
  const text = field(input.value, "text") ?? field(input.value, "story");
  const status = field(input.value, "status");
  const verb = VERB_OF_KIND[input.kind] ?? VERB_OF_KIND["reflection"];
  const resultExtensions: Record<string, unknown> = {
    ...(typeof level === "number"
      ? { [BEKLIJF_EXTENSIONS.valueLevel]: level }
      : {}),
    ...(typeof status === "string"
      ? { [BEKLIJF_EXTENSIONS.appliedStatus]: status }
      : {}),
  };
  const statement = {
    id: answerStatementId(input.answerId),
    actor: input.actor,
    verb,
    object,
    ...(typeof text === "string" || Object.keys(resultExtensions).length > 0
      ? {
          result: {
            ...(typeof text === "string" && text !== ""
              ? { response: text }
              : {}),
            ...(typeof status === "string"
              ? { completion: status === "applied" }
              : {}),
            ...(Object.keys(resultExtensions).length > 0
              ? { extensions: resultExtensions }
              : {}),
          },
        }
      : {}),
    context: {
      ...(typeof registration === "string" ? { registration } : {}),
      platform: "beklijf",
      statement: { objectType: "StatementRef", id: input.trigger.id },
      extensions: { [BEKLIJF_EXTENSIONS.answerKind]: input.kind },
    },
    timestamp: input.answeredAt.toISOString(),
  };
  const validated = validateStatement(statement);
  return validated.ok ? ok(validated.value) : err(validated.error);
}
