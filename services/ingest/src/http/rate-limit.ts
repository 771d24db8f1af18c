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

// One round trip: count the request, and start the window's expiry with its first request.
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

/**
 * Fixed one-minute windows per connection, counted in Redis (on the queues' connection, under the
 * queues' prefix) so the limit holds across ingest replicas. When Redis does not answer within
 * `redisTimeoutMs`, or the queues have no ioredis connection, each process counts on its own:
 * statements keep being accepted while Redis is down, as ingest promises.
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
  let warnedAtMs = 0;

  const decide = (count: number, ttlMs: number, limit: number): RateDecision =>
    count <= limit
      ? { allowed: true }
      : {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
          firstInWindow: count === limit + 1,
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
    return decide(window.count, window.resetAtMs - nowMs, limit);
  };

  return {
    async consume(connectionId, limitPerMinute) {
      if (redis === undefined)
        return consumeLocally(connectionId, limitPerMinute);
      let timer: NodeJS.Timeout | undefined;
      try {
        const reply = await Promise.race([
          redis.eval(
            CONSUME_SCRIPT,
            1,
            `${prefix}:rate:${connectionId}`,
            WINDOW_MS,
          ),
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
        return decide(count, ttlMs, limitPerMinute);
      } catch (error) {
        if (Date.now() - warnedAtMs > WINDOW_MS) {
          warnedAtMs = Date.now();
          deps.logger.warn(
            { err: errorMessage(error) },
            "rate limits counted per process while Redis does not answer",
          );
        }
        return consumeLocally(connectionId, limitPerMinute);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
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
