import {
  BeklijfError,
  ConflictError,
  ForbiddenError,
  type Issue,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "./errors";

/** The JSON error body every beklijf HTTP API answers with. */
export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly issues?: readonly Issue[];
    readonly requestId?: string;
  };
}

/**
 * Maps a thrown value to an HTTP status and body. Known errors keep their message and code;
 * anything else is a 500 that reveals nothing but the request id.
 */
export function toHttpError(
  error: unknown,
  requestId: string,
): { status: number; body: ErrorBody; expected: boolean } {
  if (error instanceof ValidationError)
    return {
      status: 400,
      body: {
        error: {
          code: error.code,
          message: error.message,
          issues: error.issues,
        },
      },
      expected: true,
    };
  if (error instanceof UnauthorizedError)
    return {
      status: 401,
      body: { error: { code: error.code, message: error.message } },
      expected: true,
    };
  if (error instanceof ForbiddenError)
    return {
      status: 403,
      body: { error: { code: error.code, message: error.message } },
      expected: true,
    };
  if (error instanceof NotFoundError)
    return {
      status: 404,
      body: { error: { code: error.code, message: error.message } },
      expected: true,
    };
  if (error instanceof ConflictError)
    return {
      status: 409,
      body: { error: { code: error.code, message: error.message } },
      expected: true,
    };
  if (error instanceof BeklijfError)
    return {
      status: 400,
      body: { error: { code: error.code, message: error.message } },
      expected: true,
    };
  const status = httpStatusOf(error);
  if (status === 413)
    return {
      status,
      body: {
        error: {
          code: "BODY_TOO_LARGE",
          message: "The request body is larger than this endpoint accepts.",
        },
      },
      expected: true,
    };
  if (status === 400)
    return {
      status,
      body: {
        error: {
          code: "BODY_NOT_JSON",
          message: "The request body is not valid JSON.",
        },
      },
      expected: true,
    };
  if (status === 415)
    return {
      status,
      body: {
        error: {
          code: "UNSUPPORTED_MEDIA_TYPE",
          message: "Send the body as application/json.",
        },
      },
      expected: true,
    };
  return {
    status: 500,
    body: {
      error: {
        code: "INTERNAL",
        message:
          "Something went wrong on our side; quote the request id when reporting it.",
        requestId,
      },
    },
    expected: false,
  };
}

/** body-parser and friends attach `status`/`type` to their errors. */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const record = error as { status?: unknown; type?: unknown };
  if (record.type === "entity.too.large") return 413;
  if (record.type === "entity.parse.failed") return 400;
  if (
    record.type === "encoding.unsupported" ||
    record.type === "charset.unsupported"
  )
    return 415;
  return undefined;
}
