/** Verb ids beklijf reacts to (ADL vocabulary and cmi5). */
export const VERBS = {
  completed: "http://adlnet.gov/expapi/verbs/completed",
  passed: "http://adlnet.gov/expapi/verbs/passed",
  failed: "http://adlnet.gov/expapi/verbs/failed",
  registered: "http://adlnet.gov/expapi/verbs/registered",
  voided: "http://adlnet.gov/expapi/verbs/voided",
  satisfied: "https://w3id.org/xapi/adl/verbs/satisfied",
} as const;

export const ACTIVITY_TYPES = {
  cmi5Course: "https://w3id.org/xapi/cmi5/activitytype/course",
  course: "http://adlnet.gov/expapi/activities/course",
} as const;
