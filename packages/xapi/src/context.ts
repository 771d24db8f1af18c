import { z } from "zod";

import { Activity, StatementRef } from "./activity";
import { Actor, Agent, Group } from "./actor";
import { iri } from "./iri";
import { Extensions, isPlainObject } from "./language-map";
import { isLanguageTag } from "./language-tag";
import { uuid } from "./uuid";

// ---------------------------------------------------------------------------------------------
// Context (Data 2.4.6)

const languageTag = z
  .string()
  .refine(
    isLanguageTag,
    "must be an RFC 5646 language tag such as nl, nl-NL or en-US",
  );

/**
 * One contextActivities value: an array of Activities, or a single Activity, which is read as an
 * array of one, as the LRS must return it (Data 2.4.6.2.s4.b3).
 */
const contextActivityList = z.preprocess(
  (value) => (isPlainObject(value) ? [value] : value),
  z.array(Activity),
);

const ContextActivities = z
  .strictObject({
    parent: contextActivityList.optional(),
    grouping: contextActivityList.optional(),
    category: contextActivityList.optional(),
    other: contextActivityList.optional(),
  })
  .superRefine((activities, ctx) => {
    const lists = [
      activities.parent,
      activities.grouping,
      activities.category,
      activities.other,
    ];
    if (lists.every((list) => list === undefined)) {
      ctx.addIssue({
        code: "custom",
        message:
          "contextActivities must not be empty: give at least one of parent, grouping, category or other, or leave contextActivities out",
      });
    }
  });

const relevantTypes = z
  .array(iri("http://adlnet.gov/expapi/activities/course"))
  .min(1, "must list at least one Activity type IRI, or be left out")
  .optional();

/** xAPI 2.0.0: an Agent relevant to the statement, with why (context.contextAgents). */
const ContextAgent = z.strictObject({
  objectType: z.literal("contextAgent"),
  agent: Agent,
  relevantTypes,
});

/** xAPI 2.0.0: a Group relevant to the statement, with why (context.contextGroups). */
const ContextGroup = z.strictObject({
  objectType: z.literal("contextGroup"),
  group: Group,
  relevantTypes,
});

export const Context = z.strictObject({
  registration: uuid.optional(),
  instructor: Actor.optional(),
  team: Group.optional(),
  contextActivities: ContextActivities.optional(),
  revision: z.string().optional(),
  platform: z.string().optional(),
  language: languageTag.optional(),
  statement: StatementRef.optional(),
  extensions: Extensions.optional(),
  contextAgents: z.array(ContextAgent).optional(),
  contextGroups: z.array(ContextGroup).optional(),
});
export type Context = z.infer<typeof Context>;
