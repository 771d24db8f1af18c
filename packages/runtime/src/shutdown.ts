import type { Logger } from "@beklijf/core";

/**
 * Stops the process cleanly on SIGTERM or SIGINT: runs `stop` once (workers, then queues, then
 * the database, as the caller orders them), then exits 0, or 1 if stopping failed.
 */
export function exitOnSignal(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}

/** Things to close on stop, run in reverse order of registration. */
export interface Cleanups {
  add(cleanup: () => Promise<unknown>): void;
  run(): Promise<void>;
}

/** Runs cleanups in reverse order of registration, logging (not throwing) what fails. */
export function createCleanups(logger: Logger): Cleanups {
  const cleanups: (() => Promise<unknown>)[] = [];
  return {
    add: (cleanup) => {
      cleanups.push(cleanup);
    },
    run: async () => {
      for (const cleanup of cleanups.splice(0).reverse()) {
        await cleanup().catch((error: unknown) => {
          logger.warn({ err: error }, "error while stopping");
        });
      }
    },
  };
}
