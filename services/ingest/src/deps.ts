import type { Clock, Logger, Metrics } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import type { Queues } from "@beklijf/queue";

/** What the ingest service is built from; main.ts or the all-in-one launcher wires it. */
export interface IngestDeps {
  readonly db: PrismaClient;
  readonly queues: Queues;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Largest accepted request body, e.g. "1mb" (answered with 413 beyond). */
  readonly bodyLimit?: string;
}
