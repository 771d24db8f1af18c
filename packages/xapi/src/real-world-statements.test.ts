// Statements shaped as the feeds of DOMAIN.md send them ("What the LMS feeds look like"): each must
// be accepted as it is, and yield the fields the rules match on.
import { createManualClock } from "@beklijf/core";

import {
  type PreparedStatement,
  prepareStatement,
  prepareStatements,
} from "./prepare";
import { ACTIVITY_TYPES, VERBS } from "./verbs";

const clock = createManualClock(new Date("2026-05-04T10:00:00Z"));

/** Moodle logstore_xapi, course completed: account actor on the site, no id, ADL verb. */
const MOODLE_COURSE_COMPLETION = {
  actor: {
    name: "Anna de Vries",
    account: { homePage: "https://moodle.example.nl", name: "1042" },
  },
  verb: {
    id: "http://adlnet.gov/expapi/verbs/completed",
    display: { en: "completed" },
  },
  object: {
    id: "https://moodle.example.nl/course/view.php?id=7",
    definition: {
      type: "https://w3id.org/xapi/cmi5/activitytype/course",
      name: { en: "Feedback geven" },
    },
  },
  timestamp: "2026-05-04T11:31:41+02:00",
  context: {
    platform: "Moodle",
    language: "en",
    extensions: {
      "http://lrs.learninglocker.net/define/extensions/info": {
        "http://moodle.org": "4.3.2",
        "https://github.com/xAPI-vle/moodle-logstore_xapi": "v4.7.0",
        event_name: "\\core\\event\\course_completed",
        event_function: "\\src\\transformer\\events\\core\\course_completed",
      },
    },
    contextActivities: {
      grouping: [
        {
          id: "https://moodle.example.nl",
          definition: {
            type: "http://id.tincanapi.com/activitytype/lms",
            name: { en: "Moodle Academie" },
          },
        },
      ],
      category: [
        {
          id: "http://moodle.org",
          definition: {
            type: "http://id.tincanapi.com/activitytype/source",
            name: { en: "Moodle" },
          },
        },
      ],
    },
  },
};

/** Learning Locker statement forwarding: the statement as stored there, id, stored and authority. */
const LEARNING_LOCKER_FORWARDED = {
  id: "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE",
  actor: {
    objectType: "Agent",
    name: "Bram Jansen",
    mbox: "mailto:Bram.Jansen@Example.NL",
  },
  verb: {
    id: "http://adlnet.gov/expapi/verbs/passed",
    display: { "en-US": "passed" },
  },
  object: {
    objectType: "Activity",
    id: "https://lms.example.nl/course/feedback-geven",
    definition: {
      type: "http://adlnet.gov/expapi/activities/course",
      name: { "nl-NL": "Feedback geven", "en-US": "Giving feedback" },
    },
  },
  result: {
    score: { scaled: 0.85, raw: 85, min: 0, max: 100 },
    success: true,
    completion: true,
    duration: "PT1H12M4.52S",
  },
  context: {
    registration: "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    contextActivities: {
      parent: [
        {
          objectType: "Activity",
          id: "https://lms.example.nl/programme/leiderschap",
        },
      ],
    },
  },
  timestamp: "2026-05-04T09:58:12.123Z",
  stored: "2026-05-04T09:58:13.456Z",
  authority: {
    objectType: "Agent",
    name: "New Client",
    mbox: "mailto:hello@learninglocker.net",
  },
  version: "1.0.0",
};

/** Open edX event-routing-backends: deterministic v5 id, anonymous account actor, extensions. */
const OPEN_EDX_PROBLEM = {
  id: "c9c7da1a-0cf0-5161-9bf5-35c61091f826",
  actor: {
    objectType: "Agent",
    account: {
      homePage: "https://courses.example.org",
      name: "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
    },
  },
  context: {
    contextActivities: {
      parent: [
        {
          id: "https://courses.example.org/course/course-v1:edX+DemoX+Demo_Course",
          objectType: "Activity",
          definition: {
            name: { "en-US": "Demonstration Course" },
            type: "http://adlnet.gov/expapi/activities/course",
          },
        },
      ],
    },
    extensions: {
      "https://w3id.org/xapi/openedx/extension/transformer-version":
        "event-routing-backends@7.0.1",
      "https://w3id.org/xapi/openedx/extensions/session-id":
        "6ad0a24d8303f49d14409a669d430b6f",
    },
  },
  object: {
    definition: {
      extensions: { "http://id.tincanapi.com/extension/attempt-id": 10 },
      description: { "en-US": "Add the question text, or prompt, here." },
      interactionType: "choice",
      type: "http://adlnet.gov/expapi/activities/cmi.interaction",
    },
    id: "https://courses.example.org/xblock/block-v1:edX+DemoX+Demo_Course+type@problem+block@3fc5461f86764ad7bdbdf6cbdde61e66",
    objectType: "Activity",
  },
  result: {
    response: '["a correct answer", "an incorrect answer"]',
    // A problem worth no points: Open edX sends min = max = 0.
    score: { max: 0, min: 0, raw: 0, scaled: 0 },
    success: false,
  },
  timestamp: "2020-07-14T14:39:26.906232+00:00",
  verb: {
    display: { en: "evaluated" },
    id: "https://w3id.org/xapi/acrossx/verbs/evaluated",
  },
  version: "1.0.3",
};

const OPEN_EDX_COURSE_COMPLETED = {
  id: "0b1b5b4e-1b9f-5c37-9a8f-6b2a4d8c9e01",
  actor: {
    objectType: "Agent",
    account: {
      homePage: "https://courses.example.org",
      name: "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
    },
  },
  context: {
    extensions: {
      "https://w3id.org/xapi/openedx/extension/transformer-version":
        "event-routing-backends@7.0.1",
    },
  },
  object: {
    definition: {
      name: { en: "Demonstration Course" },
      type: "http://adlnet.gov/expapi/activities/course",
    },
    id: "https://courses.example.org/courses/course-v1:edX+DemoX+Demo_Course/",
    objectType: "Activity",
  },
  timestamp: "2026-05-04T06:36:01.917775+00:00",
  verb: {
    display: { en: "completed" },
    id: "http://adlnet.gov/expapi/verbs/completed",
  },
  version: "1.0.3",
};

const CMI5_REGISTRATION = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

/** cmi5: the LMS's "satisfied" for the course, sharing the registration of the session. */
const CMI5_SATISFIED = {
  id: "2f4a3c1e-8b7d-4e6f-9a5b-1c2d3e4f5a6b",
  actor: {
    objectType: "Agent",
    name: "Anna de Vries",
    account: { homePage: "https://lms.example.nl", name: "anna.devries" },
  },
  verb: {
    id: "https://w3id.org/xapi/adl/verbs/satisfied",
    display: { "en-US": "satisfied" },
  },
  object: {
    objectType: "Activity",
    id: "https://lms.example.nl/cmi5/courses/feedback-geven",
    definition: { type: "https://w3id.org/xapi/cmi5/activitytype/course" },
  },
  context: {
    registration: CMI5_REGISTRATION,
    contextActivities: {
      category: [
        {
          objectType: "Activity",
          id: "https://w3id.org/xapi/cmi5/context/categories/cmi5",
        },
      ],
    },
    extensions: {
      "https://w3id.org/xapi/cmi5/context/extensions/sessionid":
        "c7f4d6a1-3e2b-4b8a-9f1d-2a3b4c5d6e7f",
    },
  },
  timestamp: "2026-05-04T10:15:00.000Z",
};

/** cmi5: an AU's "completed", with the moveOn category and a duration. */
const CMI5_AU_COMPLETED = {
  actor: CMI5_SATISFIED.actor,
  verb: {
    id: "http://adlnet.gov/expapi/verbs/completed",
    display: { "en-US": "completed" },
  },
  object: {
    objectType: "Activity",
    id: "https://lms.example.nl/cmi5/au/feedback-geven-1",
  },
  result: { completion: true, duration: "PT25M13.2S" },
  context: {
    registration: CMI5_REGISTRATION,
    contextActivities: {
      category: [
        { id: "https://w3id.org/xapi/cmi5/context/categories/cmi5" },
        { id: "https://w3id.org/xapi/cmi5/context/categories/moveon" },
      ],
      grouping: [{ id: "https://lms.example.nl/cmi5/courses/feedback-geven" }],
    },
    extensions: {
      "https://w3id.org/xapi/cmi5/context/extensions/sessionid":
        "c7f4d6a1-3e2b-4b8a-9f1d-2a3b4c5d6e7f",
    },
  },
  timestamp: "2026-05-04T10:14:58.500Z",
};

/** Authoring-tool content (Storyline-like): a choice question with "und" language maps. */
const AUTHORED_CHOICE_ANSWERED = {
  actor: { name: "Anna", mbox: "mailto:anna@example.nl" },
  verb: {
    id: "http://adlnet.gov/expapi/verbs/answered",
    display: { "en-US": "answered" },
  },
  object: {
    id: "urn:articulate:storyline:5Ujw93Dh98n/6Fv3GfG2bX3/5ZQ1bIwvdUx",
    objectType: "Activity",
    definition: {
      type: "http://adlnet.gov/expapi/activities/cmi.interaction",
      name: { und: "Welke feedback is concreet?" },
      interactionType: "choice",
      correctResponsesPattern: ["choice_6I9c4y7vW0j"],
      choices: [
        {
          id: "choice_6I9c4y7vW0j",
          description: { und: "Je onderbrak me twee keer" },
        },
        { id: "choice_5xk3z9V1pQr", description: { und: "Je bent onbeleefd" } },
      ],
    },
  },
  result: {
    success: true,
    response: "choice_6I9c4y7vW0j",
    duration: "PT12.34S",
  },
  context: {
    registration: "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b",
    contextActivities: {
      parent: [
        {
          id: "urn:articulate:storyline:5Ujw93Dh98n/6Fv3GfG2bX3",
          objectType: "Activity",
        },
      ],
      grouping: [
        { id: "urn:articulate:storyline:5Ujw93Dh98n", objectType: "Activity" },
      ],
    },
  },
  timestamp: "2026-05-04T09:00:00.000+02:00",
};

function prepared(statement: unknown): PreparedStatement {
  const result = prepareStatement(statement, { clock });
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.error)}`);
  return result.value;
}

describe("real-world statements", () => {
  it.each<[label: string, statement: unknown]>([
    ["a Moodle course completion", MOODLE_COURSE_COMPLETION],
    ["a Learning Locker forwarded statement", LEARNING_LOCKER_FORWARDED],
    ["an Open edX problem check worth no points", OPEN_EDX_PROBLEM],
    ["an Open edX course completion", OPEN_EDX_COURSE_COMPLETED],
    ["a cmi5 satisfied statement", CMI5_SATISFIED],
    ["a cmi5 AU completed statement", CMI5_AU_COMPLETED],
    ["an authoring tool's answered choice", AUTHORED_CHOICE_ANSWERED],
  ])("accepts %s as it is", (_label, statement) => {
    expect(prepareStatement(statement, { clock })).toMatchObject({ ok: true });
  });

  it("derives the learner, course and registration of a Moodle completion", () => {
    expect(prepared(MOODLE_COURSE_COMPLETION)).toMatchObject({
      idGiven: false,
      actorKey: "account:https://moodle.example.nl|1042",
      actorEmail: undefined,
      actorName: "Anna de Vries",
      verbId: VERBS.completed,
      objectId: "https://moodle.example.nl/course/view.php?id=7",
      activityType: ACTIVITY_TYPES.cmi5Course,
      timestamp: new Date("2026-05-04T09:31:41Z"),
    });
  });

  it("gives a Moodle batch sent twice the same ids", () => {
    const again = {
      ...MOODLE_COURSE_COMPLETION,
      timestamp: "2026-05-04T09:31:41Z",
    };
    const first = prepareStatements([MOODLE_COURSE_COMPLETION], { clock });
    const second = prepareStatements([again], {
      clock: createManualClock(new Date("2026-05-05T10:00:00Z")),
    });
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    expect(second.value[0]?.id).toBe(first.value[0]?.id);
  });

  it("keeps a Learning Locker id lower-cased, and its content hash ignores stored, authority and version", () => {
    const statement = prepared(LEARNING_LOCKER_FORWARDED);
    expect(statement).toMatchObject({
      id: "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
      idGiven: true,
      actorKey: "mbox:mailto:bram.jansen@example.nl",
      actorEmail: "bram.jansen@example.nl",
      verbId: VERBS.passed,
      registration: "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    });
    expect(statement.statement.version).toBe("1.0.0");
    const resent = prepared({
      ...LEARNING_LOCKER_FORWARDED,
      stored: "2026-05-05T00:00:00Z",
      authority: { objectType: "Agent", mbox: "mailto:other@example.nl" },
      version: "1.0.3",
    });
    expect(resent.contentHash).toBe(statement.contentHash);
  });

  it("keeps the deterministic Open edX id", () => {
    expect(prepared(OPEN_EDX_PROBLEM)).toMatchObject({
      id: "c9c7da1a-0cf0-5161-9bf5-35c61091f826",
      actorKey:
        "account:https://courses.example.org|32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb",
      activityType: "http://adlnet.gov/expapi/activities/cmi.interaction",
    });
  });

  it("matches a cmi5 satisfied statement on verb, course type and registration", () => {
    expect(prepared(CMI5_SATISFIED)).toMatchObject({
      verbId: VERBS.satisfied,
      activityType: ACTIVITY_TYPES.cmi5Course,
      registration: CMI5_REGISTRATION,
    });
  });
});
