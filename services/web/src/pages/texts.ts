/** The words of the answer and preference pages, per language (the person's locale). */
export const PAGE_TEXTS = {
  nl: {
    forbiddenHeading: "Deze link werkt niet",
    forbidden:
      "De link is ongeldig of verlopen: links in onze e-mails werken een beperkte tijd. Gebruik de link in een recentere e-mail.",
    levelsLegend: "Wat voor waarde beschrijf je?",
    levels: {
      1: [
        "Beleving",
        "hoe de training was: de mensen, de energie, wat je direct raakte",
      ],
      2: [
        "Mogelijke waarde",
        "een inzicht, idee, contact of bron die je nog niet gebruikt hebt",
      ],
      3: ["Toegepaste waarde", "iets wat je in je werk anders bent gaan doen"],
      4: [
        "Gerealiseerde waarde",
        "het effect daarvan voor klanten, team of resultaat",
      ],
      5: [
        "Nieuwe kijk",
        "je werkt vanuit andere waarden of kijkt anders naar je vak",
      ],
    },
    reflectionHeading: "Jouw reflectie op {training}",
    reflectionLabel: "Schrijf het in een paar zinnen op",
    appliedHeading: "Heb je {training} toegepast?",
    appliedLegend: "Heb je het geleerde in je werk gebruikt?",
    applied: "Ja, toegepast",
    partly: "Deels",
    notYet: "Nog niet",
    storyLabel: "Vertel in drie regels wat je deed (of wat in de weg zat)",
    optional: "optioneel",
    confirmedHeading: "Heeft {learner} {training} toegepast?",
    confirmedQuestion:
      "Bevestig dat je {learner} het geleerde uit {training} in het werk hebt zien toepassen.",
    confirmedButton: "Ja, ik zag het toegepast",
    discussedHeading: "Gesprek over {training}",
    discussedQuestion:
      "Laat weten dat je het gesprek met {learner} over {training} hebt gevoerd.",
    discussedButton: "Ja, het gesprek is gevoerd",
    send: "Versturen",
    earlier: "Je antwoordde hier al eerder. Versturen vervangt dat antwoord.",
    textRequired: "Schrijf minstens een paar woorden.",
    levelRequired: "Kies een van de waarden.",
    statusRequired: "Kies ja, deels of nog niet.",
    tooLong: "Dat is te lang: houd het onder de 4000 tekens.",
    errorsHeading: "Er ging iets mis",
    thanksHeading: "Dank je wel!",
    thanks: "Je antwoord is opgeslagen.",
    thanksApplied:
      "Mooi! We sturen je geen herinneringen meer om het toe te passen.",
    preferencesHeading: "Je e-mails van beklijf",
    preferencesIntro:
      "Wat wil je? Via de link onder elke e-mail kun je dit later weer aanpassen.",
    pause: "Twee weken pauze",
    pauseHint: "Je krijgt twee weken geen e-mails; daarna gaan ze weer verder.",
    stopTraining: "Stop de e-mails over {training}",
    stopTrainingHint: "Over andere trainingen krijg je nog wel e-mails.",
    stopAll: "Stop alle e-mails",
    stopAllHint: "Je krijgt van beklijf niets meer.",
    pausedUntil: "Je e-mails zijn gepauzeerd tot {date}.",
    stoppedTraining: "Je krijgt geen e-mails meer over {training}.",
    stoppedAll: "Je krijgt geen e-mails meer van beklijf.",
  },
  en: {
    forbiddenHeading: "This link does not work",
    forbidden:
      "The link is invalid or has expired: links in our emails work for a limited time. Use the link in a more recent email.",
    levelsLegend: "What kind of value do you describe?",
    levels: {
      1: [
        "Experience",
        "how the training was: the people, the energy, what struck you",
      ],
      2: [
        "Potential value",
        "an insight, idea, contact or source you have not used yet",
      ],
      3: ["Applied value", "something you now do differently in your work"],
      4: [
        "Realised value",
        "the effect of that for customers, team or results",
      ],
      5: [
        "New perspective",
        "you work from other values or see your profession differently",
      ],
    },
    reflectionHeading: "Your reflection on {training}",
    reflectionLabel: "Write it down in a few sentences",
    appliedHeading: "Have you applied {training}?",
    appliedLegend: "Have you used what you learned in your work?",
    applied: "Yes, applied",
    partly: "Partly",
    notYet: "Not yet",
    storyLabel: "Tell in three lines what you did (or what got in the way)",
    optional: "optional",
    confirmedHeading: "Has {learner} applied {training}?",
    confirmedQuestion:
      "Confirm that you saw {learner} apply what they learned in {training} at work.",
    confirmedButton: "Yes, I saw it applied",
    discussedHeading: "Talk about {training}",
    discussedQuestion:
      "Let us know you had the talk with {learner} about {training}.",
    discussedButton: "Yes, we had the talk",
    send: "Send",
    earlier: "You answered here before. Sending replaces that answer.",
    textRequired: "Write at least a few words.",
    levelRequired: "Choose one of the values.",
    statusRequired: "Choose yes, partly or not yet.",
    tooLong: "That is too long: keep it under 4000 characters.",
    errorsHeading: "Something is missing",
    thanksHeading: "Thank you!",
    thanks: "Your answer is saved.",
    thanksApplied: "Well done! We will not remind you to apply it any more.",
    preferencesHeading: "Your emails from beklijf",
    preferencesIntro:
      "What would you like? The link at the bottom of every email lets you change it later.",
    pause: "Pause for two weeks",
    pauseHint: "No emails for two weeks; after that they continue.",
    stopTraining: "Stop the emails about {training}",
    stopTrainingHint: "You still get emails about other trainings.",
    stopAll: "Stop all emails",
    stopAllHint: "beklijf will not email you any more.",
    pausedUntil: "Your emails are paused until {date}.",
    stoppedTraining: "You will not get emails about {training} any more.",
    stoppedAll: "You will not get any more emails from beklijf.",
  },
} as const;

export type PageLanguage = keyof typeof PAGE_TEXTS;
export type PageTexts = (typeof PAGE_TEXTS)[PageLanguage];

/** Fills "{name}" slots; the page escapes the result. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (slot, key: string) => values[key] ?? slot);
}
