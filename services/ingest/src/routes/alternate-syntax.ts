import { ValidationError } from "@beklijf/core";
import type { RequestHandler } from "express";

/**
 * Form parameters that stand for request headers (xAPI 1.0.3 Communication 1.3), by lower-case
 * name.
 */
const HEADER_PARAMETERS = new Set([
  "authorization",
  "x-experience-api-version",
  "content-type",
  "content-length",
  "if-match",
  "if-none-match",
]);

const METHODS = new Set(["GET", "HEAD", "PUT", "POST"]);

function refuse(message: string): ValidationError {
  return new ValidationError(message, [], "ALTERNATE_SYNTAX_INVALID");
}

/**
 * The Alternate Request Syntax (xAPI 1.0.3 Communication 1.3), for clients that can only send
 * GET and POST without custom headers: `POST /statements?method=PUT` with a form body whose
 * fields are the headers, the query parameters and the `content`. The request is rewritten into
 * the one it stands for, and the routes after this one handle it as usual.
 */
export function alternateRequestSyntax(): RequestHandler {
  return (req, _res, next) => {
    // Most requests have no query string at all; parsing their URL would only cost time.
    if (!req.url.includes("?")) {
      next();
      return;
    }
    const url = new URL(req.url, "http://localhost");
    if (!url.searchParams.has("method")) {
      next();
      return;
    }
    if (req.method !== "POST") {
      next(refuse("The alternate request syntax (?method=…) must use POST."));
      return;
    }
    if ([...url.searchParams.keys()].some((key) => key !== "method")) {
      next(
        refuse(
          "With ?method=…, send every other parameter in the form body, not in the URL.",
        ),
      );
      return;
    }
    const method = url.searchParams.get("method") ?? "";
    if (!METHODS.has(method)) {
      next(
        refuse(
          `?method= must be one of ${[...METHODS].join(", ")}; got "${method}".`,
        ),
      );
      return;
    }
    const form: unknown = req.body;
    if (
      !req.is("application/x-www-form-urlencoded") ||
      typeof form !== "object" ||
      form === null ||
      Array.isArray(form)
    ) {
      next(
        refuse(
          "With ?method=…, send the body as application/x-www-form-urlencoded.",
        ),
      );
      return;
    }
    const query = new URLSearchParams();
    let content: string | undefined;
    for (const [name, value] of Object.entries(form)) {
      if (typeof value !== "string") {
        next(refuse(`Form parameter "${name}" is given more than once.`));
        return;
      }
      const lower = name.toLowerCase();
      if (HEADER_PARAMETERS.has(lower)) req.headers[lower] = value;
      else if (name === "content") content = value;
      else query.append(name, value);
    }
    let body: unknown = undefined;
    if (method === "PUT" || method === "POST") {
      if (content === undefined) {
        next(
          refuse(
            `Send the statement(s) in the form parameter "content" (method ${method}).`,
          ),
        );
        return;
      }
      try {
        body = JSON.parse(content);
      } catch {
        next(refuse('The form parameter "content" is not valid JSON.'));
        return;
      }
    }
    const search = query.toString();
    req.method = method;
    req.url = `${url.pathname}${search === "" ? "" : `?${search}`}`;
    req.body = body;
    next();
  };
}
