import { z } from "zod";

// One catalog per queue: job name -> payload schema and defaults. Payloads are pointers to
// Postgres rows, never personal data (Redis keeps them in clear text). A new field must be
// optional while jobs of the previous release may still be in flight.

const uuid = z.uuid();

/** Most statements in one statements.process job. */
export const STATEMENT_BATCH_MAX = 500;

export const CATALOG = {
  statements: {
    /**
     * A slice of one tenant's stored statements, in the order they were stored: what statement
     * hand-offs become in Redis (dispatchHandOffs groups them), so the engine reads, plans and
     * finishes a slice in a few queries instead of a few per statement.
     */
    "statements.process": {
      payload: z.strictObject({
        tenantId: uuid,
        statementIds: z.array(uuid).min(1).max(STATEMENT_BATCH_MAX),
      }),
      attempts: 8,
    },
    /**
     * One statement: the form of a statement hand-off in the outbox, and of the jobs that
     * releases before batching left in Redis (the engine still takes them).
     */
    "statement.process": {
      payload: z.strictObject({ tenantId: uuid, statementId: uuid }),
      attempts: 8,
    },
  },
  nudges: {
    "nudge.fire": {
      payload: z.strictObject({ plannedNudgeId: uuid }),
      attempts: 8,
    },
  },
  deliveries: {
    "delivery.send": {
      payload: z.strictObject({ deliveryId: uuid }),
      attempts: 10,
    },
  },
  lrs: {
    /** Pull mode: read the connection's external LRS from its cursor (repeatable). */
    "connection.pull": {
      payload: z.strictObject({ connectionId: uuid }),
      attempts: 1,
    },
    /** Send an answer back to the connection's LRS as an xAPI statement, until delivered. */
    "answer.forward": {
      payload: z.strictObject({ answerId: uuid }),
      attempts: 20,
    },
  },
} as const;

export type QueueName = keyof typeof CATALOG;
export type JobName<Q extends QueueName> = keyof (typeof CATALOG)[Q] & string;
export type Payload<Q extends QueueName, N extends JobName<Q>> = z.output<
  (typeof CATALOG)[Q][N] extends { payload: infer S extends z.ZodType }
    ? S
    : never
>;

export const QUEUE_NAMES = Object.keys(CATALOG) as QueueName[];

export function jobSpec(
  queue: QueueName,
  name: string,
): { payload: z.ZodType; attempts: number } | undefined {
  const specs: Record<string, { payload: z.ZodType; attempts: number }> =
    CATALOG[queue];
  return specs[name];
}
