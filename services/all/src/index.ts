export { type AllInOneHandle, startAll } from "./start";
