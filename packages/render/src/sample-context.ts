import { messagesFor } from "./messages";

/**
 * The data every nudge template is rendered with (the mailer builds it from the database; see
 * the README). All fields are always present, so strict mode can check a template against it.
 */
export interface NudgeContext {
  readonly [key: string]: unknown;
  /** The recipient's language, e.g. "nl" (set by the renderer to the locale actually used). */
  readonly locale: string;
  /** The recipient's IANA time zone; `formatDate` uses it. */
  readonly timeZone: string;
  /** Who the email goes to (the learner, or their manager or team lead). */
  readonly recipient: { readonly givenName: string; readonly name: string };
  /** The person whose training it is. */
  readonly learner: { readonly givenName: string; readonly name: string };
  /** The learner's manager; without one, a phrase such as "je leidinggevende". */
  readonly manager: { readonly givenName: string; readonly name: string };
  /** `name` is picked from `names` (the statement's language map) for the recipient's locale. */
  readonly training: {
    readonly name: string;
    readonly names: Readonly<Record<string, string>>;
  };
  /** ISO instants: when the trigger happened and the "apply within two weeks" date after it. */
  readonly dates: { readonly trigger: string; readonly applyBy: string };
  /** Signed, expiring links: this nudge's one action, preferences and unsubscribe. */
  readonly links: {
    readonly action: string;
    readonly preferences: string;
    readonly unsubscribe: string;
  };
  /** Fixed footer texts (see MESSAGES). */
  readonly footer: {
    readonly reason: string;
    readonly preferences: string;
    readonly unsubscribe: string;
  };
}

/** A realistic context for previews, pack validation and tests. */
export function sampleContext(locale: string): NudgeContext {
  const messages = messagesFor(locale);
  return {
    locale,
    timeZone: "Europe/Amsterdam",
    recipient: { givenName: "Anna", name: "Anna de Vries" },
    learner: { givenName: "Anna", name: "Anna de Vries" },
    manager: { givenName: "Pieter", name: "Pieter Jansen" },
    training: {
      name: locale.startsWith("nl") ? "Feedback geven" : "Giving feedback",
      names: { "nl-NL": "Feedback geven", "en-US": "Giving feedback" },
    },
    dates: {
      trigger: "2026-04-13T09:30:00Z",
      applyBy: "2026-04-27T09:30:00Z",
    },
    links: {
      action: "https://learn.example.com/a/sample-action-token",
      preferences: "https://learn.example.com/p/sample-preferences-token",
      unsubscribe: "https://learn.example.com/u/sample-unsubscribe-token",
    },
    footer: {
      reason: messages.footerReason,
      preferences: messages.preferences,
      unsubscribe: messages.unsubscribe,
    },
  };
}
