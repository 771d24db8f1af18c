import { ValidationError } from "@beklijf/core";
import type { z } from "zod";

/** Parses a request body or query with its schema, or throws a 400 naming every problem. */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  message: string,
  code?: string,
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    message,
    parsed.error.issues.map((i) => ({
      path: i.path.map((p) => (typeof p === "number" ? p : String(p))),
      message: i.message,
    })),
    code,
  );
}
