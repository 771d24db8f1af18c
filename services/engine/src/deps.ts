import type { Clock, Logger, Metrics } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import type { Queues } from "@beklijf/queue";
import type { Redis } from "ioredis";

export interface EngineDeps {
  readonly db: PrismaClient;
  readonly queues: Queues;
  /** Worker connection (maxRetriesPerRequest: null). */
  readonly connection: Redis;
  readonly prefix: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export interface EngineOptions {
  /**
   * How far ahead (in clock time) planned nudges become delayed jobs in Redis. Later ones stay
   * only in Postgres until the reconciler brings them within the horizon, which keeps Redis small.
   * @defaultValue 2 days
   */
  readonly horizonMs?: number;
  /** Real milliseconds between reconciler passes. @defaultValue 60 s, shorter under a time scale */
  readonly reconcileIntervalMs?: number;
  /**
   * Real milliseconds the reconciler leaves new statements and deliveries to the fast path that
   * enqueues them right after commit. @defaultValue 5 s
   */
  readonly reconcileGraceMs?: number;
  /**
   * Real milliseconds the engine keeps a tenant's rules and policy in memory before reading them
   * again: an edit in the console or API takes effect within this time. @defaultValue 1 s
   */
  readonly configMaxAgeMs?: number;
}
