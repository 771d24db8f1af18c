import XAPI from "@xapi/xapi";

/** The request function @xapi/xapi accepts as its adapter (the package does not export its type). */
type AdapterFunction = Exclude<
  ConstructorParameters<typeof XAPI>[0]["adapter"],
  string | undefined
>;

/** An external LRS answered with an error status, or could not be reached. */
export class LrsRequestError extends Error {
  readonly code = "LRS_REQUEST_FAILED";
  constructor(
    message: string,
    /** The HTTP status; undefined when no answer came (network error, timeout). */
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "LrsRequestError";
  }
}

export interface LrsAccess {
  /** The LRS's xAPI base URL, e.g. https://lrs.example.com/xapi. */
  readonly endpoint: string;
  readonly username: string;
  readonly password: string;
}

/** Most of an error body repeated in an error message (the rest is noise for an admin). */
const BODY_IN_ERROR_CHARS = 300;

/**
 * The fetch adapter of @xapi/xapi throws a bare Error without the status, and waits forever.
 * This one gives every request a deadline and throws LrsRequestError with the status, so a pull
 * can tell "wrong credentials" (401) from "LRS down" (5xx) in the connection's health. The URL in
 * an error never carries credentials: they travel in the Authorization header.
 */
function fetchAdapter(timeoutMs: number): AdapterFunction {
  const adapter = async ({
    url,
    method,
    data,
    headers,
  }: {
    url: string;
    method: string;
    data?: unknown;
    headers?: Record<string, string>;
  }) => {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(data === undefined ? {} : { body: JSON.stringify(data) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no answer within ${timeoutMs} ms`
          : error instanceof Error
            ? error.cause instanceof Error
              ? error.cause.message
              : error.message
            : String(error);
      throw new LrsRequestError(
        `${method} ${new URL(url).origin}${new URL(url).pathname} failed: ${reason}`,
        undefined,
      );
    }
    const text = await response.text();
    if (!response.ok)
      throw new LrsRequestError(
        `${method} ${new URL(url).pathname} answered ${response.status}${text === "" ? "" : `: ${text.slice(0, BODY_IN_ERROR_CHARS)}`}`,
        response.status,
      );
    let body: unknown = text;
    if (text !== "")
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    return {
      data: body,
      headers: Object.fromEntries(response.headers.entries()),
      status: response.status,
    };
  };
  // @xapi/xapi types its adapter generically over the answer; the data is checked by the caller.
  return adapter as AdapterFunction;
}

/**
 * An @xapi/xapi client for an external LRS, with HTTP Basic credentials and a deadline per
 * request. @defaultValue timeoutMs 30000
 */
export function createLrsClient(
  access: LrsAccess,
  options: { timeoutMs?: number } = {},
): XAPI {
  return new XAPI({
    endpoint: access.endpoint,
    auth: XAPI.toBasicAuth(access.username, access.password),
    version: "1.0.3",
    adapter: fetchAdapter(options.timeoutMs ?? 30_000),
  });
}
