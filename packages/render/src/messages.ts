/** Fixed texts around every email (the pack owns the body); one entry per supported locale. */
export const MESSAGES = {
  nl: {
    footerReason:
      "Je krijgt deze e-mail omdat je een training volgde die je organisatie met beklijf opvolgt.",
    unsubscribe: "Geen e-mails meer ontvangen",
  },
  en: {
    footerReason:
      "You receive this email because you took a training that your organisation follows up with beklijf.",
    unsubscribe: "Stop these emails",
  },
} as const;

export type MessageLocale = keyof typeof MESSAGES;

/** The messages for a locale such as "nl-BE" (falls back to English). */
export function messagesFor(locale: string): (typeof MESSAGES)[MessageLocale] {
  const base = locale.toLowerCase().split("-")[0];
  return base === "nl" ? MESSAGES.nl : MESSAGES.en;
}
