import { Redis } from "ioredis";

/**
 * Redis connections for BullMQ. Workers block and must retry forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires); producers in request paths fail fast,
 * so an HTTP request never hangs on a Redis outage (the outbox catches up later).
 */
export function createRedisConnection(
  url: string,
  role: "worker" | "producer",
): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 1,
    enableOfflineQueue: role === "worker",
    connectTimeout: 5_000,
    lazyConnect: false,
  });
}

/** True when Redis answers PING within the timeout. */
export async function pingRedis(
  url: string,
  timeoutMs = 1_000,
): Promise<boolean> {
  const client = new Redis(url, {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
