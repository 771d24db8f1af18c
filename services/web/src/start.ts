import type { Express } from "express";

import { buildApp } from "./app";
import type { WebDeps } from "./deps";

export interface WebHandle {
  readonly app: Express;
  stop(): Promise<void>;
}

export function start(deps: WebDeps): WebHandle {
  return { app: buildApp(deps), stop: () => Promise.resolve() };
}
