import { jobSpec,QUEUE_NAMES, type QueueName } from "./catalog";
import { deliveryJobId, statementJobId } from "./job-ids";
import type { Queues } from "./queues";

/** A hand-off as stored in the outbox: queue, job name, deterministic id and payload. */
export interface HandOff {
  readonly queue: string;
  readonly jobName: string;
  readonly jobId: string;
  readonly payload: Readonly<Record<string, string>>;
}

function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as string[]).includes(name);
}

/**
 * Enqueues outbox hand-offs (immediately due). Deterministic job ids make a repeat harmless, so the
 * relay may dispatch an entry that the fast path already enqueued.
 */
export async function dispatchHandOffs(queues: Queues, handOffs: readonly HandOff[]): Promise<void> {
  for (const handOff of handOffs) {
    if (!isQueueName(handOff.queue)) throw new Error(`Outbox entry for unknown queue "${handOff.queue}"`);
    const spec = jobSpec(handOff.queue, handOff.jobName);
    if (spec === undefined) throw new Error(`Outbox entry for unknown job "${handOff.jobName}" on ${handOff.queue}`);
    await queues[handOff.queue].add(handOff.jobName, spec.payload.parse(handOff.payload), { jobId: handOff.jobId, attempts: spec.attempts });
  }
}

/** The hand-off of a stored statement to the engine. */
export function statementHandOff(tenantId: string, statementId: string): HandOff {
  return { queue: "statements", jobName: "statement.process", jobId: statementJobId(tenantId, statementId), payload: { tenantId, statementId } };
}

/** The hand-off of a delivery to the mailer. */
export function deliveryHandOff(deliveryId: string): HandOff {
  return { queue: "deliveries", jobName: "delivery.send", jobId: deliveryJobId(deliveryId), payload: { deliveryId } };
}
