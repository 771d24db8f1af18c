import { z } from "zod";

import { ErrorResponse } from "../api-schemas";

// Pieces of the OpenAPI document shared by openapi.ts and the route groups it spreads in
// (rules-openapi.ts, templates-openapi.ts).

/** A JSON request or response body of `schema`. */
export const json = (schema: z.ZodType) => ({
  "application/json": {
    schema: z.toJSONSchema(schema, { target: "openapi-3.0" }),
  },
});

/** An error answer: `{ error: { code, message, ... } }` with its description. */
export const error = (description: string) => ({
  description,
  content: json(ErrorResponse),
});
