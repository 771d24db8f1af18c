import { z } from "zod";

import { listed } from "./actor";
import { iri, irl } from "./iri";
import { Extensions, LanguageMap } from "./language-map";
import { uuid } from "./uuid";

// ---------------------------------------------------------------------------------------------
// Activities (Data 2.4.4.1) and interactions

export const INTERACTION_TYPES = [
  "true-false",
  "choice",
  "fill-in",
  "long-fill-in",
  "matching",
  "performance",
  "sequencing",
  "likert",
  "numeric",
  "other",
] as const;
export type InteractionType = (typeof INTERACTION_TYPES)[number];

const COMPONENT_LISTS = [
  "choices",
  "scale",
  "source",
  "target",
  "steps",
] as const;
type ComponentList = (typeof COMPONENT_LISTS)[number];

/** The interaction component lists each interactionType supports (Data 2.4.4.1.s15.table2). */
const LISTS_BY_TYPE: Readonly<
  Record<InteractionType, readonly ComponentList[]>
> = {
  "true-false": [],
  choice: ["choices"],
  "fill-in": [],
  "long-fill-in": [],
  matching: ["source", "target"],
  performance: ["steps"],
  sequencing: ["choices"],
  likert: ["scale"],
  numeric: [],
  other: [],
};

const InteractionComponent = z.strictObject({
  id: z.string(),
  description: LanguageMap.optional(),
});
export type InteractionComponent = z.infer<typeof InteractionComponent>;

const componentList = z.array(InteractionComponent).optional();

export const ActivityDefinition = z
  .strictObject({
    name: LanguageMap.optional(),
    description: LanguageMap.optional(),
    type: iri("http://adlnet.gov/expapi/activities/course").optional(),
    moreInfo: irl("https://lms.example.com/course/view.php?id=7").optional(),
    extensions: Extensions.optional(),
    interactionType: z.enum(INTERACTION_TYPES).optional(),
    correctResponsesPattern: z.array(z.string()).optional(),
    choices: componentList,
    scale: componentList,
    source: componentList,
    target: componentList,
    steps: componentList,
  })
  .superRefine((definition, ctx) => {
    const type = definition.interactionType;
    if (type === undefined) {
      for (const key of ["correctResponsesPattern", ...COMPONENT_LISTS]) {
        if (definition[key as keyof typeof definition] !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `${key} belongs to interaction activities: add an interactionType (such as "choice") or remove ${key}`,
          });
        }
      }
      return;
    }
    const allowed = LISTS_BY_TYPE[type];
    for (const key of COMPONENT_LISTS) {
      const list = definition[key];
      if (list === undefined) continue;
      if (!allowed.includes(key)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `interactionType "${type}" has no ${key} list; ${
            allowed.length === 0
              ? `"${type}" takes no interaction component lists`
              : `"${type}" uses ${listed(allowed)}`
          }: remove ${key}`,
        });
      }
      const seen = new Set<string>();
      list.forEach((component, index) => {
        if (seen.has(component.id)) {
          ctx.addIssue({
            code: "custom",
            path: [key, index, "id"],
            message: `interaction component ids must be distinct within ${key}; "${component.id}" is used more than once`,
          });
        }
        seen.add(component.id);
      });
    }
  });
export type ActivityDefinition = z.infer<typeof ActivityDefinition>;

export const Activity = z.strictObject({
  objectType: z.literal("Activity").optional(),
  id: iri("https://lms.example.com/course/view.php?id=7"),
  definition: ActivityDefinition.optional(),
});
export type Activity = z.infer<typeof Activity>;

export const StatementRef = z.strictObject({
  objectType: z.literal("StatementRef"),
  id: uuid,
});
export type StatementRef = z.infer<typeof StatementRef>;
