export { buildApp, serveStatementsLane } from "./app";
export type { IngestDeps } from "./deps";
export { forwardAnswer, type ForwardOutcome } from "./forward/forward-answer";
export { dispatchNow } from "./hand-off";
export { createLrsClient, type LrsAccess, LrsRequestError } from "./lrs-client";
export {
  type LrsWorker,
  type LrsWorkerOptions,
  startLrsWorker,
} from "./lrs-worker";
export { type OutboxRelay, startOutboxRelay } from "./outbox-relay";
export {
  pullConnection,
  type PullDeps,
  type PullOptions,
  type PullOutcome,
} from "./pull/pull-connection";
export { syncPullSchedules } from "./pull/pull-schedules";
export { prepareBody } from "./routes/statements";
export { type IngestHandle, start } from "./start";
