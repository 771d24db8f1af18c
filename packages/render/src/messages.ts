/** Fixed texts around every email (the pack owns the body); one entry per supported locale. */
export const MESSAGES = {
  nl: {
    footerReason:
      "Je krijgt deze e-mail omdat je organisatie trainingen met beklijf opvolgt.",
    preferences: "Instellingen (pauzeren of stoppen)",
    unsubscribe: "Geen e-mails meer ontvangen",
    yourManager: "je leidinggevende",
  },
  en: {
    footerReason:
      "You receive this email because your organisation follows up trainings with beklijf.",
    preferences: "Settings (pause or stop)",
    unsubscribe: "Stop these emails",
    yourManager: "your manager",
  },
} as const;

export type MessageLocale = keyof typeof MESSAGES;

/** The language of a locale such as "nl-BE": "nl" or "en" (anything else gets English). */
export function messageLocale(locale: string): MessageLocale {
  return locale.toLowerCase().split("-")[0] === "nl" ? "nl" : "en";
}

/** The messages for a locale such as "nl-BE" (falls back to English). */
export function messagesFor(locale: string): (typeof MESSAGES)[MessageLocale] {
  return MESSAGES[messageLocale(locale)];
}
