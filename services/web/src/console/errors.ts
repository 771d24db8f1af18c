import { toHttpError } from "@beklijf/core";
import type { ErrorRequestHandler } from "express";

import type { WebDeps } from "../deps";
import { pageContext } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

/**
 * Console errors as a page in the console's layout (JSON under /console/api). Expected errors
 * (validation, 403, 404, 409) show their message; anything else shows only the request id.
 */
export function consoleErrorHandler(
  deps: Pick<WebDeps, "logger">,
  render: ConsoleRender,
): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const requestId = req.get("x-request-id") ?? res.get("x-request-id") ?? "";
    const { status, body, expected } = toHttpError(error, requestId);
    if (expected)
      deps.logger.info(
        { status, code: body.error.code, path: req.path },
        "console request refused",
      );
    else
      deps.logger.error(
        { err: error, path: req.path },
        "console request failed",
      );
    if (req.path.startsWith("/api/")) {
      res.status(status).json(body);
      return;
    }
    let context;
    try {
      context = pageContext(res, "");
    } catch {
      context = {
        title: "",
        locale: "en" as const,
        canEdit: false,
        isAdmin: false,
      };
    }
    res
      .status(status)
      .type("html")
      .send(
        render(
          "error",
          { ...context, title: translate(context.locale, "error.title") },
          {
            status,
            message: body.error.message,
            issues: (body.error.issues ?? []).map((i) => ({
              path: i.path.join("."),
              message: i.message,
            })),
          },
        ),
      );
  };
}
