import { BeklijfError, errorMessage } from "@beklijf/core";
import type { Queues } from "@beklijf/queue";

import type { IngestDeps } from "../deps";

/** A connection made more requests in a minute than its limit. Answered with 429 and Retry-After. */
export class RateLimitedError extends BeklijfError {
  readonly code = "RATE_LIMITED";
  constructor(
    readonly limitPerMinute: number,
    readonly retryAfterSeconds: number,
    /** True for the first refused request of its window: the one recorded as a rejection. */
    readonly firstInWindow: boolean,
  ) {
    super(
      `This connection may make ${limitPerMinute} requests per minute; retry after ${retryAfterSeconds} s, or ask an admin to raise its limit.`,
    );
  }
}

export type RateDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly retryAfterSeconds: number;
      readonly firstInWindow: boolean;
    };

export interface RateLimiter {
  /** Counts one request of the connection against its per-minute limit. */
  consume(connectionId: string, limitPerMinute: number): Promise<RateDecision>;
}

/** The few ioredis calls the limiter makes; the queues' own connection provides them. */
interface RedisLike {
  eval(
    script: string,
    numKeys: number,
    ...args: (string | number)[]
  ): Promise<unknown>;
}

const WINDOW_MS = 60_000;

/** How often requests counted locally are added to the shared count in Redis, in ms. */
const SYNC_EVERY_MS = 100;

/**
 * Requests are counted locally (and added to Redis in batches) only while the connection is
 * below this share of its limit, and only for limits of at least {@link LOCAL_MIN_LIMIT}; near
 * the limit every request is counted in Redis at once, so the limit itself is exact.
 */
const LOCAL_SHARE = 0.8;
const LOCAL_MIN_LIMIT = 100;

// One round trip: add n requests, and start the window's expiry with its first request.
const CONSUME_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

/** This process's view of a connection's window in Redis. */
interface SharedWindow {
  resetAtMs: number;
  /** The shared count as Redis last answered it. */
  known: number;
  /** Requests admitted here and not yet added in Redis. */
  unsynced: number;
}

/**
 * Fixed one-minute windows per connection, counted in Redis (on the queues' connection, under the
 * queues' prefix) so the limit holds across ingest replicas. Far from its limit, a connection's
 * requests are counted locally and added to Redis every {@link SYNC_EVERY_MS} ms in one call, so
 * the hot path makes no Redis round trip per request; from {@link LOCAL_SHARE} of the limit on
 * (and for limits under {@link LOCAL_MIN_LIMIT}) each request is counted in Redis before it is
 * answered. Across replicas the count can so lag by what the others admitted in the last 100 ms
 * while below 80% of the limit. When Redis does not answer within `redisTimeoutMs`, or the queues
 * have no ioredis connection, each process counts on its own: statements keep being accepted while
 * Redis is down, as ingest promises.
 * @defaultValue redisTimeoutMs 250
 */
export function createRateLimiter(
  deps: Pick<IngestDeps, "queues" | "logger">,
  options: { redisTimeoutMs?: number } = {},
): RateLimiter {
  const redis = redisOfQueues(deps.queues);
  const prefix = deps.queues.statements.opts.prefix ?? "bull";
  const timeoutMs = options.redisTimeoutMs ?? 250;
  const local = new Map<string, { count: number; resetAtMs: number }>();
  const shared = new Map<string, SharedWindow>();
  let syncTimer: NodeJS.Timeout | undefined;
  let warnedAtMs = 0;

  const decide = (
    count: number,
    added: number,
    ttlMs: number,
    limit: number,
  ): RateDecision =>
    count <= limit
      ? { allowed: true }
      : {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
          // The one request whose addition crossed the limit.
          firstInWindow: count - added <= limit,
        };

  const consumeLocally = (id: string, limit: number): RateDecision => {
    const nowMs = Date.now();
    let window = local.get(id);
    if (window === undefined || window.resetAtMs <= nowMs) {
      if (local.size > 10_000)
        for (const [key, w] of local)
          if (w.resetAtMs <= nowMs) local.delete(key);
      window = { count: 0, resetAtMs: nowMs + WINDOW_MS };
      local.set(id, window);
    }
    window.count += 1;
    return decide(window.count, 1, window.resetAtMs - nowMs, limit);
  };

  /** Adds `n` requests in Redis; returns the shared count and the window's remaining ms. */
  const addInRedis = async (
    client: RedisLike,
    id: string,
    n: number,
  ): Promise<{ count: number; ttlMs: number }> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        client.eval(CONSUME_SCRIPT, 1, `${prefix}:rate:${id}`, WINDOW_MS, n),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => {
            reject(new Error(`Redis did not answer within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
      if (!Array.isArray(reply))
        throw new Error("unexpected reply from the rate-limit script");
      const [count, ttlMs] = reply.map(Number);
      if (count === undefined || ttlMs === undefined)
        throw new Error("unexpected reply from the rate-limit script");
      return { count, ttlMs };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };

  const warn = (error: unknown): void => {
    if (Date.now() - warnedAtMs > WINDOW_MS) {
      warnedAtMs = Date.now();
      deps.logger.warn(
        { err: errorMessage(error) },
        "rate limits counted per process while Redis does not answer",
      );
    }
  };

  const note = (id: string, count: number, ttlMs: number): void => {
    const window = shared.get(id);
    const resetAtMs = Date.now() + ttlMs;
    if (window === undefined)
      shared.set(id, { resetAtMs, known: count, unsynced: 0 });
    else {
      window.known = Math.max(window.known, count);
      window.resetAtMs = resetAtMs;
    }
  };

  const sync = async (client: RedisLike): Promise<void> => {
    syncTimer = undefined;
    const nowMs = Date.now();
    for (const [id, window] of shared) {
      if (window.resetAtMs <= nowMs && window.unsynced === 0) {
        shared.delete(id);
        continue;
      }
      if (window.unsynced === 0) continue;
      const n = window.unsynced;
      window.unsynced = 0;
      try {
        const { count, ttlMs } = await addInRedis(client, id, n);
        note(id, count, ttlMs);
      } catch (error) {
        warn(error);
      }
    }
  };

  return {
    async consume(connectionId, limitPerMinute) {
      if (redis === undefined)
        return consumeLocally(connectionId, limitPerMinute);
      const nowMs = Date.now();
      const window = shared.get(connectionId);
      const live = window !== undefined && window.resetAtMs > nowMs;
      if (
        live &&
        limitPerMinute >= LOCAL_MIN_LIMIT &&
        window.known + window.unsynced + 1 <= limitPerMinute * LOCAL_SHARE
      ) {
        window.unsynced += 1;
        syncTimer ??= setTimeout(() => void sync(redis), SYNC_EVERY_MS);
        syncTimer.unref();
        return { allowed: true };
      }
      // Near the limit (or a new window): count now, with what this process has not added yet.
      const pending = live ? window.unsynced : 0;
      if (window !== undefined) window.unsynced = 0;
      if (!live) shared.delete(connectionId);
      try {
        const { count, ttlMs } = await addInRedis(
          redis,
          connectionId,
          pending + 1,
        );
        note(connectionId, count, ttlMs);
        return decide(count, 1, ttlMs, limitPerMinute);
      } catch (error) {
        warn(error);
        return consumeLocally(connectionId, limitPerMinute);
      }
    },
  };
}

/** The ioredis connection the queues were opened with, if they were given one. */
export function redisOfQueues(queues: Queues): RedisLike | undefined {
  const connection: unknown = queues.statements.opts.connection;
  return isRedisLike(connection) ? connection : undefined;
}

function isRedisLike(value: unknown): value is RedisLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "eval") === "function"
  );
}
