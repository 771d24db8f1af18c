export { type AllInOneHandle, startAll } from "./start";
export { createLogger } from "./logger";
