export { buildApp } from "./app";
export type { IngestDeps } from "./deps";
export { dispatchNow } from "./hand-off";
export { type OutboxRelay, startOutboxRelay } from "./outbox-relay";
export { prepareBody } from "./routes/statements";
export { type IngestHandle, start } from "./start";
