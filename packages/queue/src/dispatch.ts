import {
  CATALOG,
  jobSpec,
  QUEUE_NAMES,
  type QueueName,
  STATEMENT_BATCH_MAX,
} from "./catalog";
import {
  answerForwardJobId,
  deliveryJobId,
  statementBatchJobId,
  statementJobId,
} from "./job-ids";
import type { Queues } from "./queues";

/** A hand-off as stored in the outbox: queue, job name, deterministic id and payload. */
export interface HandOff {
  readonly queue: string;
  readonly jobName: string;
  readonly jobId: string;
  /** JSON: strings, or for a statements.process slice also the array of statement ids. */
  readonly payload: Readonly<Record<string, unknown>>;
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

interface BulkJob {
  name: string;
  data: unknown;
  opts: { jobId: string; attempts: number };
}

/**
 * Enqueues outbox hand-offs (immediately due). Deterministic job ids make a repeat harmless, so the
 * relay may dispatch an entry that the fast path already enqueued.
 *
 * Statement hand-offs are stored as slices (statementSliceHandOffs: one statements.process row per
 * tenant and commit, up to STATEMENT_BATCH_MAX ids), which go to Redis as they are. Per-statement
 * ones (statement.process: rows written before slices, and the reconciler's) are gathered here:
 * consecutive ones of a tenant become one statements.process job, in the order given, with an id
 * derived from the slice. A statement that ends up in two slices (the fast path and the relay
 * slicing a backlog differently) is harmless: the engine only takes statements still pending.
 */
export async function dispatchHandOffs(
  queues: Queues,
  handOffs: readonly HandOff[],
): Promise<void> {
  // Validate everything first, then one addBulk per queue: a round trip per queue, not per job.
  const byQueue = new Map<QueueName, BulkJob[]>();
  const statementsByTenant = new Map<string, string[]>();
  const add = (queue: QueueName, job: BulkJob): void => {
    const jobs = byQueue.get(queue) ?? [];
    jobs.push(job);
    byQueue.set(queue, jobs);
  };
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
    if (
      handOff.queue === "statements" &&
      handOff.jobName === "statement.process"
    ) {
      const { tenantId, statementId } = payload.data as {
        tenantId: string;
        statementId: string;
      };
      const ids = statementsByTenant.get(tenantId) ?? [];
      ids.push(statementId);
      statementsByTenant.set(tenantId, ids);
      continue;
    }
    add(handOff.queue, {
      name: handOff.jobName,
      data: payload.data,
      opts: { jobId: handOff.jobId, attempts: spec.attempts },
    });
  }
  for (const [tenantId, ids] of statementsByTenant)
    for (const slice of statementSliceHandOffs(tenantId, ids))
      add("statements", {
        name: slice.jobName,
        data: slice.payload,
        opts: { jobId: slice.jobId, attempts: CATALOG_STATEMENTS_ATTEMPTS },
      });
  for (const [queue, jobs] of byQueue) await queues[queue].addBulk(jobs);
}

const CATALOG_STATEMENTS_ATTEMPTS =
  CATALOG.statements["statements.process"].attempts;

/**
 * The hand-offs of a tenant's stored statements: their distinct ids in order, cut into
 * statements.process slices of at most STATEMENT_BATCH_MAX, each with the id
 * statementBatchJobId derives from it. What the statement writer stores in the outbox, one row
 * per slice.
 */
export function statementSliceHandOffs(
  tenantId: string,
  statementIds: readonly string[],
): (HandOff & { readonly tenantId: string })[] {
  const distinct = [...new Set(statementIds)];
  const slices: (HandOff & { readonly tenantId: string })[] = [];
  for (let i = 0; i < distinct.length; i += STATEMENT_BATCH_MAX) {
    const ids = distinct.slice(i, i + STATEMENT_BATCH_MAX);
    slices.push({
      tenantId,
      queue: "statements",
      jobName: "statements.process",
      jobId: statementBatchJobId(tenantId, ids),
      payload: { tenantId, statementIds: ids },
    });
  }
  return slices;
}

/**
 * The hand-off of one stored statement to the engine (statement.process): the reconciler's, and
 * the form of outbox rows written before slices. dispatchHandOffs gathers these into slices.
 */
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
