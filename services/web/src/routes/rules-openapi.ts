import { z } from "zod";

import { MigrateReport, MigrateRequest, RuleSummary } from "../rules-schemas";
import { error, json } from "./openapi-parts";

// /api/rules in the OpenAPI document (spread into its paths by openapi.ts).

export const RULE_PATHS = {
  "/rules": {
    get: {
      summary: "The tenant's rules with their current version",
      responses: {
        "200": {
          description: "The rules",
          content: json(z.array(RuleSummary)),
        },
        "401": error("No or unknown API token"),
      },
    },
  },
  "/rules/{key}/migrate": {
    post: {
      summary:
        "Move the active plans on older versions of a rule to its current version (admin role); with dryRun, only report what would change",
      description:
        "Nudges already sent stay as history. Pending nudges of removed steps are cancelled; pending nudges of changed steps are re-planned when their new time is still to come (otherwise they keep their time); added steps are planned when their time is still to come. Running it twice changes nothing the second time.",
      parameters: [
        {
          name: "key",
          in: "path",
          required: true,
          description: "The rule's key, e.g. after-completion",
          schema: { type: "string" },
        },
      ],
      requestBody: { required: true, content: json(MigrateRequest) },
      responses: {
        "200": {
          description:
            "What changed (or would change), per version and per step",
          content: json(MigrateReport),
        },
        "400": error("Invalid body"),
        "401": error("No or unknown API token"),
        "403": error("The token's role is not enough"),
        "404": error("No such rule or version in the token's tenant"),
        "409": error("The rule key is used in more than one rule set"),
      },
    },
  },
};
