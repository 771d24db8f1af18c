import { z } from "zod";

import { DURATION_MESSAGE, isDuration } from "./duration";
import { Extensions } from "./language-map";

// ---------------------------------------------------------------------------------------------
// Result (Data 2.4.5)

const duration = z.string().refine(isDuration, DURATION_MESSAGE);

const Score = z
  .strictObject({
    scaled: z.number().min(-1).max(1).optional(),
    raw: z.number().optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  // Data 2.4.5.1 calls min "less than max", but Open edX sends min = max = 0 for a problem worth no
  // points, and the ADL suite refuses only min above max; so equal bounds pass.
  .superRefine((score, ctx) => {
    if (
      score.min !== undefined &&
      score.max !== undefined &&
      score.min > score.max
    ) {
      ctx.addIssue({
        code: "custom",
        message: `score min must not exceed max: min ${String(score.min)} is above max ${String(score.max)}`,
      });
    }
    if (
      score.raw !== undefined &&
      ((score.min !== undefined && score.raw < score.min) ||
        (score.max !== undefined && score.raw > score.max))
    ) {
      ctx.addIssue({
        code: "custom",
        message: `score raw must lie between min and max (inclusive); raw ${String(score.raw)} does not`,
      });
    }
  });

export const Result = z.strictObject({
  score: Score.optional(),
  success: z.boolean().optional(),
  completion: z.boolean().optional(),
  response: z.string().optional(),
  duration: duration.optional(),
  extensions: Extensions.optional(),
});
export type Result = z.infer<typeof Result>;
