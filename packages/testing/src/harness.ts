import { randomBytes } from "node:crypto";

import {
  type Clock,
  type Logger,
  type Metrics,
  noMetrics,
  silentLogger,
  systemClock,
} from "@beklijf/core";
import { applyMigrations, createDb, type PrismaClient } from "@beklijf/db";
import { Redis } from "ioredis";

import { databaseUrlFor, runDatabaseUrl, TEST_REDIS_URL } from "./env";

/** A Prisma client on this run's migrated database. Disconnect it in afterAll. */
export function testDb(): PrismaClient {
  return createDb(runDatabaseUrl(), { poolSize: 4 });
}

/** A queue prefix no other test file uses, with a Redis Cluster hash tag like production's. */
export function uniqueRedisPrefix(label = "test"): string {
  return `{${label}-${randomBytes(6).toString("hex")}}`;
}

/** A Redis connection for workers (blocking commands need maxRetriesPerRequest: null). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
}

/** Deletes every key under a prefix (call in afterAll; Redis is shared by the whole machine). */
export async function clearRedisPrefix(
  redis: Redis,
  prefix: string,
): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(
      cursor,
      "MATCH",
      `${prefix}:*`,
      "COUNT",
      1000,
    );
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

export const testLogger: Logger =
  process.env["BEKLIJF_TEST_LOG"] === "1" ? consoleLogger() : silentLogger;

function consoleLogger(): Logger {
  const log = (level: string) => (obj: object, msg?: string) =>
    process.stderr.write(`${level} ${msg ?? ""} ${JSON.stringify(obj)}\n`);
  const logger: Logger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: () => logger,
  };
  return logger;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `Timed out after ${options.timeoutMs} ms waiting for ${options.what}`,
      );
    await new Promise((resolve) =>
      setTimeout(resolve, options.intervalMs ?? 50),
    );
  }
}

/** A database of one test file's own (see `ownTestDb`). */
export interface OwnTestDb {
  readonly db: PrismaClient;
  readonly url: string;
  /** Disconnects `db` and drops the database. */
  drop(): Promise<void>;
}

/**
 * A migrated database for one test file alone. Use it where the code under test scans across
 * tenants (the reconciler, the outbox relay), so other files' rows cannot change what it sees.
 * Named like the run's databases, so a later global setup drops it if this run is killed.
 */
export async function ownTestDb(): Promise<OwnTestDb> {
  const admin = testDb();
  const name = `beklijf_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  const url = databaseUrlFor(runDatabaseUrl(), name);
  await applyMigrations({ connectionString: url });
  const db = createDb(url, { poolSize: 4 });
  return {
    db,
    url,
    drop: async () => {
      await db.$disconnect();
      await admin.$executeRawUnsafe(
        `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`,
      );
      await admin.$disconnect();
    },
  };
}

/**
 * The usual dependencies of a service under test: real database and queues, real time, a quiet
 * logger and no metrics. Spread and override what a test needs otherwise.
 */
export function serviceTestDeps<Q>(parts: { db: PrismaClient; queues: Q }): {
  db: PrismaClient;
  queues: Q;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
} {
  return {
    ...parts,
    clock: systemClock,
    logger: testLogger,
    metrics: noMetrics,
  };
}
