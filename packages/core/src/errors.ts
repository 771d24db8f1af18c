/** One problem with an input, located by its path (e.g. `["actor", "mbox"]` or `[3, "verb", "id"]`). */
export interface Issue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Base for the errors that cross an edge (HTTP, CLI, worker); each carries a stable `code`. */
export abstract class BeklijfError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input from outside broke a rule; `issues` say where and how. Maps to HTTP 400. */
export class ValidationError extends BeklijfError {
  readonly code: string;
  readonly issues: readonly Issue[];
  constructor(
    message: string,
    issues: readonly Issue[] = [],
    code = "VALIDATION_FAILED",
  ) {
    super(message);
    this.code = code;
    this.issues = issues;
  }
}

/** Maps to HTTP 404. */
export class NotFoundError extends BeklijfError {
  readonly code: string;
  constructor(message: string, code = "NOT_FOUND") {
    super(message);
    this.code = code;
  }
}

/** The request conflicts with what is stored (e.g. a statement id with other content). Maps to 409. */
export class ConflictError extends BeklijfError {
  readonly code: string;
  constructor(message: string, code = "CONFLICT") {
    super(message);
    this.code = code;
  }
}

/** No or wrong credentials. Maps to 401. */
export class UnauthorizedError extends BeklijfError {
  readonly code: string;
  constructor(message = "Authentication required.", code = "UNAUTHORIZED") {
    super(message);
    this.code = code;
  }
}

/** Authenticated, but not allowed (or a tampered or expired link). Maps to 403. */
export class ForbiddenError extends BeklijfError {
  readonly code: string;
  constructor(message: string, code = "FORBIDDEN") {
    super(message);
    this.code = code;
  }
}

/** Exhaustiveness guard for `switch` over a union. */
export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(value)}`);
}

/** Message of an unknown thrown value, for logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
