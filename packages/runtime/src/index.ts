export { healthRouter, type ReadinessCheck } from "./health";
export { httpErrorHandler } from "./http-errors";
export { loadConfigOrExit } from "./load-config-or-exit";
export { createLogger } from "./logger";
export { createMetrics, type PrometheusMetrics } from "./metrics";
export {
  infrastructureChecks,
  openDatabase,
  openProcess,
  openRedis,
  type ProcessBase,
  serveHttp,
  stopListening,
} from "./process";
export { type Cleanups, createCleanups, exitOnSignal } from "./shutdown";
