export { buildApp } from "./app";
export type { OutboxMessage, OutboxPort, WebDeps } from "./deps";
export { start, type WebHandle } from "./start";
