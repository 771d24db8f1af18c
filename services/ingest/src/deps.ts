import type { Clock, Logger, Metrics } from "@beklijf/core";
import type { PrismaClient, StatementWriter } from "@beklijf/db";
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
  /**
   * The public URL of the xAPI endpoint, e.g. "https://learn.example.com/xapi": the homePage of
   * the authority account that stored statements carry. Default: the URL the request came in on.
   */
  readonly publicUrl?: string;
  /**
   * The group-commit writer for POST and PUT (start() creates one when given a database URL).
   * Without it each request is its own transaction.
   */
  readonly writer?: StatementWriter;
}
