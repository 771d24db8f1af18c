export type { EngineDeps, EngineOptions } from "./deps";
export { type EngineJobs, engineJobs } from "./jobs";
export { type Reconciler, startReconciler } from "./reconcile";
export { type EngineHandle, start } from "./start";
export { skipReason } from "./workers/nudges";
