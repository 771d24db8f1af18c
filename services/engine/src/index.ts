export type { EngineDeps, EngineOptions } from "./deps";
export { type Reconciler, startReconciler } from "./reconcile";
export { type EngineHandle, start } from "./start";
export { skipReason } from "./workers/nudges";
