import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";

import type { Logger } from "@beklijf/core";

export interface RedisHandle {
  readonly url: string;
  /** "existing" when something already answered, "started" when we started redis-server. */
  readonly origin: "existing" | "started";
  stop(): Promise<void>;
}

/** The port of the redis-server `npm start` starts when nothing answers on 6379. */
export const EMBEDDED_REDIS_PORT = 63790;

export class RedisUnavailableError extends Error {
  readonly code = "REDIS_UNAVAILABLE";
  constructor(message: string) {
    super(message);
    this.name = "RedisUnavailableError";
  }
}

/**
 * Redis for the embedded default: 127.0.0.1:6379 if something answers there; else a
 * `redis-server` we start on `fallbackPort` with its files under `dataDir/redis`; else a clear
 * error saying how to get Redis.
 */
export async function ensureRedis(options: {
  dataDir: string;
  fallbackPort: number;
  logger: Logger;
  /** True when a Redis answers PING at the URL (the queue package's pingRedis). */
  ping: (url: string) => Promise<boolean>;
}): Promise<RedisHandle> {
  const answers = options.ping;
  const defaultUrl = "redis://127.0.0.1:6379";
  if (await answers(defaultUrl))
    return {
      url: defaultUrl,
      origin: "existing",
      stop: () => Promise.resolve(),
    };

  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (found.error !== undefined || found.status !== 0) {
    throw new RedisUnavailableError(
      [
        "beklijf needs Redis for its queues, and none answers on 127.0.0.1:6379.",
        "Either install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis),",
        "and beklijf starts it for you next time, or point REDIS_URL at a running Redis (e.g. REDIS_URL=redis://127.0.0.1:6379).",
      ].join("\n"),
    );
  }
  const dir = path.resolve(options.dataDir, "redis");
  mkdirSync(dir, { recursive: true });
  const url = `redis://127.0.0.1:${options.fallbackPort}`;
  // Queues must not lose delayed jobs silently, so keep an append-only file; never evict keys.
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--bind",
      "127.0.0.1",
      "--port",
      String(options.fallbackPort),
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--maxmemory-policy",
      "noeviction",
      "--save",
      "",
    ],
    { stdio: "ignore" },
  );
  child.on("error", (error) => {
    options.logger.error({ err: error }, "redis-server failed");
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await answers(url)) {
      options.logger.info(
        { url },
        "started redis-server for the embedded default",
      );
      return {
        url,
        origin: "started",
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) {
              resolve();
              return;
            }
            child.once("exit", () => {
              resolve();
            });
            child.kill("SIGTERM");
          }),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new RedisUnavailableError(
    `redis-server did not answer on ${url} within 10 s; see if the port is free, or set REDIS_URL.`,
  );
}
