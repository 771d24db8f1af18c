import type { Express } from "express";

import { buildApp } from "./app";
import type { IngestDeps } from "./deps";
import { startOutboxRelay } from "./outbox-relay";

export interface IngestHandle {
  readonly app: Express;
  stop(): Promise<void>;
}

/** Builds the xAPI app and starts the outbox relay; the caller mounts the app and owns the server. */
export function start(
  deps: IngestDeps,
  options: { relayIntervalMs?: number } = {},
): IngestHandle {
  const relay = startOutboxRelay(deps, {
    intervalMs: options.relayIntervalMs ?? 1_000,
    graceMs: 2_000,
  });
  return { app: buildApp(deps), stop: () => relay.stop() };
}
