export {
  type Clock,
  createManualClock,
  createScaledClock,
  type ManualClock,
  systemClock,
} from "./clock";
export {
  assertNever,
  BeklijfError,
  ConflictError,
  errorMessage,
  ForbiddenError,
  type Issue,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "./errors";
export { type ErrorBody, toHttpError } from "./http-error";
export { BEKLIJF_NAMESPACE, isUuid, randomId, sha256Hex, uuidV5 } from "./ids";
export {
  formatJsonSyntaxError,
  type JsonSyntaxError,
  parseJsonText,
} from "./json-text";
export { type Logger, silentLogger } from "./logger";
export { type MetricName, type Metrics, noMetrics } from "./metrics";
export { err, ok, type Result } from "./result";
export { hashSecret, randomToken, verifySecret } from "./secrets";
export {
  signToken,
  type TokenClaims,
  type TokenError,
  verifyToken,
} from "./signed-token";
