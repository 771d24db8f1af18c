import { errorMessage } from "@beklijf/core";
import { type OutboxEntry, markOutboxDispatched } from "@beklijf/db";
import { dispatchHandOffs } from "@beklijf/queue";

import type { IngestDeps } from "./deps";

/**
 * The fast path after commit: enqueue now and mark the outbox rows done. If Redis is down this
 * only logs; the outbox relay enqueues the rows once Redis is back, so nothing is lost.
 */
export async function dispatchNow(deps: Pick<IngestDeps, "db" | "queues" | "clock" | "logger">, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  try {
    await dispatchHandOffs(deps.queues, entries);
    await markOutboxDispatched(deps.db, entries.map((e) => e.jobId), deps.clock.now());
  } catch (error) {
    deps.logger.warn({ err: errorMessage(error), count: entries.length }, "could not enqueue now; the outbox relay will retry");
  }
}
