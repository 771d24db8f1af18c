import { jobSpec, QUEUE_NAMES, type QueueName } from "./catalog";
import { answerForwardJobId, deliveryJobId, statementJobId } from "./job-ids";
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

/** A hand-off no worker can take (unknown queue or job, bad payload): retrying cannot help. */
export class InvalidHandOffError extends Error {
  readonly code = "HAND_OFF_INVALID";
  readonly jobId: string;
  constructor(handOff: HandOff, reason: string) {
    super(`Hand-off ${handOff.jobId} cannot be enqueued: ${reason}`);
    this.name = "InvalidHandOffError";
    this.jobId = handOff.jobId;
  }
}

/**
 * Enqueues outbox hand-offs (immediately due). Deterministic job ids make a repeat harmless, so the
 * relay may dispatch an entry that the fast path already enqueued.
 */
export async function dispatchHandOffs(
  queues: Queues,
  handOffs: readonly HandOff[],
): Promise<void> {
  // Validate everything first, then one addBulk per queue: a round trip per queue, not per job.
  const byQueue = new Map<
    QueueName,
    { name: string; data: unknown; opts: { jobId: string; attempts: number } }[]
  >();
  for (const handOff of handOffs) {
    if (!isQueueName(handOff.queue))
      throw new InvalidHandOffError(
        handOff,
        `unknown queue "${handOff.queue}"`,
      );
    const spec = jobSpec(handOff.queue, handOff.jobName);
    if (spec === undefined)
      throw new InvalidHandOffError(
        handOff,
        `unknown job "${handOff.jobName}" on ${handOff.queue}`,
      );
    const payload = spec.payload.safeParse(handOff.payload);
    if (!payload.success)
      throw new InvalidHandOffError(
        handOff,
        `payload does not match ${handOff.jobName}: ${payload.error.message}`,
      );
    const jobs = byQueue.get(handOff.queue) ?? [];
    jobs.push({
      name: handOff.jobName,
      data: payload.data,
      opts: { jobId: handOff.jobId, attempts: spec.attempts },
    });
    byQueue.set(handOff.queue, jobs);
  }
  for (const [queue, jobs] of byQueue) await queues[queue].addBulk(jobs);
}

/** The hand-off of a stored statement to the engine. */
export function statementHandOff(
  tenantId: string,
  statementId: string,
): HandOff {
  return {
    queue: "statements",
    jobName: "statement.process",
    jobId: statementJobId(tenantId, statementId),
    payload: { tenantId, statementId },
  };
}

/** The hand-off of a delivery to the mailer. */
export function deliveryHandOff(deliveryId: string): HandOff {
  return {
    queue: "deliveries",
    jobName: "delivery.send",
    jobId: deliveryJobId(deliveryId),
    payload: { deliveryId },
  };
}

/** The hand-off of a stored answer to the LRS forwarder (queue lrs). */
export function answerForwardHandOff(answerId: string): HandOff {
  return {
    queue: "lrs",
    jobName: "answer.forward",
    jobId: answerForwardJobId(answerId),
    payload: { answerId },
  };
}
