import { createStatementWriter } from "@beklijf/db";
import type { Express } from "express";

import { buildApp, buildStatementsLane } from "./app";
import type { IngestDeps } from "./deps";
import { createHandOffDispatcher } from "./hand-off";
import {
  type LrsWorker,
  type LrsWorkerOptions,
  startLrsWorker,
} from "./lrs-worker";
import { startOutboxRelay } from "./outbox-relay";
import type { StatementsLaneOptions } from "./routes/statements";

export interface IngestHandle {
  readonly app: Express;
  /**
   * The hot path for `POST /statements`, to put in front of the server's Express app when it
   * mounts `app` at `options.mountPath`: `lane(req, res, serverApp)` answers such a request and
   * returns true, or returns false and leaves it to the server's app.
   */
  statementsLane(
    options: StatementsLaneOptions,
  ): ReturnType<typeof buildStatementsLane>;
  stop(): Promise<void>;
}

/**
 * Builds the xAPI app and starts the outbox relay; the caller mounts the app and owns the server.
 * Given `databaseUrl`, POST and PUT go through a group-commit writer on its own small pool. Given
 * `lrsWorker` (a worker Redis connection, the prefix and BEKLIJF_SECRET), it also runs the lrs
 * queue: pulls from external LRSs and answers forwarded to them.
 */
export function start(
  deps: IngestDeps,
  options: {
    relayIntervalMs?: number;
    databaseUrl?: string;
    lrsWorker?: LrsWorkerOptions;
  } = {},
): IngestHandle {
  const relay = startOutboxRelay(deps, {
    intervalMs: options.relayIntervalMs ?? 1_000,
    graceMs: 2_000,
  });
  const lrs: LrsWorker | undefined =
    options.lrsWorker === undefined
      ? undefined
      : startLrsWorker(deps, options.lrsWorker);
  const stopBackground = async (): Promise<void> => {
    await lrs?.stop();
    await relay.stop();
  };
  if (options.databaseUrl === undefined)
    return {
      app: buildApp(deps),
      statementsLane: (laneOptions) => buildStatementsLane(deps, laneOptions),
      stop: stopBackground,
    };
  const handOffs = createHandOffDispatcher(deps, {
    markDispatched: (jobIds) => writer.markDispatched(jobIds),
  });
  const writer = createStatementWriter({
    connectionString: options.databaseUrl,
    db: deps.db,
    logger: deps.logger,
    onCommitted: (entries) => {
      handOffs.dispatch(entries);
    },
  });
  const appDeps = { ...deps, writer };
  return {
    app: buildApp(appDeps),
    statementsLane: (laneOptions) => buildStatementsLane(appDeps, laneOptions),
    stop: async () => {
      await writer.close();
      await handOffs.drain();
      await stopBackground();
    },
  };
}
