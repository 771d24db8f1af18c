import { randomBytes } from "node:crypto";

import { randomId } from "@beklijf/core";
import type { syncRuleSet } from "@beklijf/db";

/** A learner with a fresh address, so tests never share people. */
export function aLearner(overrides: { name?: string; email?: string } = {}): {
  name: string;
  email: string;
} {
  return {
    name: overrides.name ?? "Anna de Vries",
    email:
      overrides.email ?? `anna.${randomBytes(4).toString("hex")}@example.test`,
  };
}

/** A cmi5 course completion, shaped like Moodle's (no id unless given). */
export function aCompletedStatement(options: {
  learner: { name: string; email: string };
  courseId?: string;
  courseName?: Record<string, string>;
  id?: string;
  timestamp?: string;
}): Record<string, unknown> {
  return {
    ...(options.id === undefined ? {} : { id: options.id }),
    actor: {
      objectType: "Agent",
      name: options.learner.name,
      mbox: `mailto:${options.learner.email}`,
    },
    verb: {
      id: "http://adlnet.gov/expapi/verbs/completed",
      display: { "en-US": "completed", "nl-NL": "voltooide" },
    },
    object: {
      objectType: "Activity",
      id:
        options.courseId ??
        `https://lms.example.test/course/view.php?id=${randomBytes(3).toString("hex")}`,
      definition: {
        type: "https://w3id.org/xapi/cmi5/activitytype/course",
        name: options.courseName ?? {
          "nl-NL": "Feedback geven",
          "en-US": "Giving feedback",
        },
      },
    },
    result: { completion: true },
    timestamp: options.timestamp ?? new Date().toISOString(),
  };
}

export function aStatementId(): string {
  return randomId();
}

/**
 * A rule as `syncRuleSet` stores it: the `Rule` of @beklijf/rules, taken from @beklijf/db's
 * signature because this package's lint tier may not import @beklijf/rules.
 */
type Rule = Parameters<typeof syncRuleSet>[1]["rules"][number];

/**
 * The rule most engine tests plan with: a completed cmi5 course triggers a `commit` step 4 h later
 * and a `reflect` step 7 days later, both to the learner. Pass `overrides` to change whole fields.
 */
export function anAfterCompletionRule(overrides: Partial<Rule> = {}): Rule {
  return {
    key: "after-completion",
    name: "After a completed course",
    enabled: true,
    trigger: {
      verbs: ["http://adlnet.gov/expapi/verbs/completed"],
      activityTypes: ["https://w3id.org/xapi/cmi5/activitytype/course"],
    },
    steps: [
      {
        key: "commit",
        offset: "PT4H",
        recipient: "learner",
        template: "commit",
        why: "An if-then plan soon after the training.",
      },
      {
        key: "reflect",
        offset: "P7D",
        recipient: "learner",
        template: "reflect",
        why: "A reflection after a first chance to apply it.",
      },
    ],
    ...overrides,
  };
}
