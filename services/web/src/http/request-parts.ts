import { ValidationError } from "@beklijf/core";
import type { Request, Response } from "express";
import type { z } from "zod";

/** The :id route parameter; "" (unknown to every tenant) when absent. */
export function idOf(req: Request): string {
  const id: unknown = req.params["id"];
  return typeof id === "string" ? id : "";
}

/** The tenant of the request's API token (set by requireToken). */
export function tenantOf(res: Response): string {
  return String(res.locals["tenantId"]);
}

/** Parses a request body or query with its schema, or throws a 400 (`code`) naming every problem. */
export function parseBody<T extends z.ZodType>(
  schema: T,
  body: unknown,
  message: string,
  code?: string,
): z.output<T> {
  const parsed = schema.safeParse(body);
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
