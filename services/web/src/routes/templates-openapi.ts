import { z } from "zod";

import {
  TemplateDetail,
  TemplatePut,
  TemplateSummary,
} from "../template-schemas";
import { error, json } from "./openapi-parts";

// /api/templates in the OpenAPI document (spread into its paths by openapi.ts).

const pathParameters = [
  {
    name: "template",
    in: "path",
    required: true,
    description: "A template of the content pack, e.g. reflect",
    schema: { type: "string" },
  },
  {
    name: "locale",
    in: "path",
    required: true,
    description: 'A locale of the pack, e.g. "nl"',
    schema: { type: "string" },
  },
];

export const TEMPLATE_PATHS = {
  "/templates": {
    get: {
      summary:
        "Every template of the pack in every locale, with the version emails use (viewer role)",
      responses: {
        "200": {
          description: "The templates",
          content: json(z.array(TemplateSummary)),
        },
        "401": error("No or unknown API token"),
      },
    },
  },
  "/templates/{template}/{locale}": {
    parameters: pathParameters,
    get: {
      summary:
        "A template's source as emails use it now (the tenant's newest version or the pack's text) and its saved versions (viewer role)",
      responses: {
        "200": { description: "The template", content: json(TemplateDetail) },
        "401": error("No or unknown API token"),
        "404": error("The pack has no such template or locale"),
      },
    },
    put: {
      summary:
        "Save a new version (editor role): an edit, checked as the pack's templates are (strict variables, escaped output, the action link), or a revert to an older version or (revertTo 0) the pack's text. The mailer uses it from about a second later.",
      requestBody: { required: true, content: json(TemplatePut) },
      responses: {
        "200": {
          description: "Saved; the template as it is now",
          content: json(TemplateDetail),
        },
        "400": error(
          "Refused, nothing stored (TEMPLATE_INVALID: the message names template, locale, part and line)",
        ),
        "401": error("No or unknown API token"),
        "403": error("The token's role is not enough"),
        "404": error("No such template, locale or version"),
        "409": error(
          "TEMPLATE_VERSION_CONFLICT: someone saved a version after baseVersion",
        ),
      },
    },
  },
};
