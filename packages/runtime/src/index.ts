export { healthRouter, type ReadinessCheck } from "./health";
export { loadConfigOrExit } from "./load-config-or-exit";
export { createLogger } from "./logger";
export { createMetrics, type PrometheusMetrics } from "./metrics";
export { createCleanups, exitOnSignal } from "./shutdown";
