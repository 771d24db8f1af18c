import type { Response } from "express";

import { consoleLocals, hasRole } from "./auth";
import type { PageContext } from "./views";

/** The layout's data for a page: language, user, CSRF token and what the user may do. */
export function pageContext(
  res: Response,
  title: string,
  section?: string,
): PageContext & { canEdit: boolean; isAdmin: boolean } {
  const { session, locale } = consoleLocals(res);
  return {
    title,
    locale,
    ...(section === undefined ? {} : { section }),
    ...(session === undefined
      ? {}
      : {
          user: {
            name: session.user.name,
            email: session.user.email,
            role: session.user.role,
          },
          csrfToken: session.csrfToken,
        }),
    canEdit: session !== undefined && hasRole(session, "editor"),
    isAdmin: session !== undefined && hasRole(session, "admin"),
  };
}

/** A query-string value as one string, or undefined when absent or empty. */
export function queryString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== ""
    ? value.trim()
    : undefined;
}

/** A form field as a string ("" when absent). */
export function formField(body: unknown, name: string): string {
  if (typeof body !== "object" || body === null) return "";
  const value: unknown = (body as Record<string, unknown>)[name];
  return typeof value === "string" ? value : "";
}

/** A route parameter as one string (Express types allow arrays for wildcards). */
export function routeParam(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
