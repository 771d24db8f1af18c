export { buildApp } from "./app";
export type { OutboxMessage, OutboxPort, WebDeps } from "./deps";
export { type WebHandle, start } from "./start";
