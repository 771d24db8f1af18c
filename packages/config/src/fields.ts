import { z } from "zod";

/** true/false/1/0/yes/no. `z.coerce.boolean()` would read "false" as true. */
export function booleanFlag(defaultValue: boolean) {
  return z
    .enum(["true", "false", "1", "0", "yes", "no"], {
      message: "must be true or false (or 1/0)",
    })
    .default(defaultValue ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
}

/** An integer within bounds, given as a string. */
export function integer(options: {
  min: number;
  max: number;
  default: number;
}) {
  return z.coerce
    .number({ message: "must be a whole number" })
    .int("must be a whole number")
    .min(options.min, `must be at least ${options.min}`)
    .max(options.max, `must be at most ${options.max}`)
    .default(options.default);
}

/** A URL with one of the given protocols, e.g. ["postgres:", "postgresql:"]. */
export function urlWith(protocols: readonly string[]) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    {
      message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    },
  );
}

/**
 * A comma-separated list of secrets of at least 32 characters each (unset or empty: none). The
 * message names the position of a short one, never its value.
 */
export function secretList() {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const secrets = (value ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
      secrets.forEach((secret, index) => {
        if (secret.length < 32)
          ctx.addIssue({
            code: "custom",
            message: `secret number ${index + 1} is shorter than 32 characters`,
          });
      });
      return secrets;
    });
}
