export { type Clock, type ManualClock, createManualClock, createScaledClock, systemClock } from "./clock";
export {
  BeklijfError,
  ConflictError,
  ForbiddenError,
  type Issue,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  assertNever,
  errorMessage,
} from "./errors";
export { BEKLIJF_NAMESPACE, isUuid, randomId, sha256Hex, uuidV5 } from "./ids";
export { type Logger, silentLogger } from "./logger";
export { type Result, err, ok } from "./result";
export { type TokenClaims, type TokenError, signToken, verifyToken } from "./signed-token";
export { hashSecret, randomToken, verifySecret } from "./secrets";
export { type ErrorBody, toHttpError } from "./http-error";
export { type MetricName, type Metrics, noMetrics } from "./metrics";
