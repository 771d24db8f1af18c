export { createLogger } from "./logger";
export { type AllInOneHandle, startAll } from "./start";
