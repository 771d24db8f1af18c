import type { Logger } from "@beklijf/core";

/** How long stopping may take before the process exits anyway (within Kubernetes' 30 s grace). */
const STOP_DEADLINE_MS = 25_000;

/**
 * Stops the process cleanly on SIGTERM or SIGINT: runs `stop` once (workers, then queues, then
 * the database, as the caller orders them), then exits 0, or 1 if stopping failed. A second
 * signal while stopping, or stopping for longer than 25 s, exits 1 at once: a process never
 * hangs on its way out.
 */
export function exitOnSignal(stop: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal while stopping: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "stopping");
    setTimeout(() => {
      logger.error(
        { deadlineMs: STOP_DEADLINE_MS },
        "stopping took too long: exiting now",
      );
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
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

/**
 * Runs cleanups in reverse order of registration, logging (not throwing) what fails. A cleanup
 * that has not finished after `stepTimeoutMs` is logged and left behind, so one stuck close
 * (e.g. a queue waiting on a Redis that went away) does not keep the others from running.
 */
export function createCleanups(
  logger: Logger,
  options: { stepTimeoutMs?: number } = {},
): Cleanups {
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const cleanups: (() => Promise<unknown>)[] = [];
  return {
    add: (cleanup) => {
      cleanups.push(cleanup);
    },
    run: async () => {
      for (const [index, cleanup] of cleanups.splice(0).reverse().entries()) {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<"timed out">((resolve) => {
          timer = setTimeout(() => {
            resolve("timed out");
          }, stepTimeoutMs);
        });
        const outcome = await Promise.race([
          cleanup().then(
            () => "done" as const,
            (error: unknown) => {
              logger.warn({ err: error }, "error while stopping");
              return "failed" as const;
            },
          ),
          timedOut,
        ]);
        clearTimeout(timer);
        if (outcome === "timed out")
          logger.warn(
            { step: cleanup.name || `#${String(index + 1)}`, stepTimeoutMs },
            "a step of stopping did not finish in time; going on without it",
          );
      }
    },
  };
}
