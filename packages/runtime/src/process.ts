import type { Server } from "node:http";

import { redactConfig } from "@beklijf/config";
import { type Clock, createScaledClock } from "@beklijf/core";
import {
  applyMigrations,
  createDb,
  pingDb,
  type PrismaClient,
} from "@beklijf/db";
import { createRedisConnection, pingRedis } from "@beklijf/queue";
import express, { type Express } from "express";
import type { Redis } from "ioredis";
import type { Logger as PinoLogger } from "pino";

import { healthRouter, type ReadinessCheck } from "./health";
import { createLogger } from "./logger";
import { createMetrics, type PrometheusMetrics } from "./metrics";
import { type Cleanups, createCleanups, exitOnSignal } from "./shutdown";

/** What every beklijf process has: logs, metrics, a clock, and the cleanups run on SIGTERM. */
export interface ProcessBase {
  readonly name: string;
  readonly logger: PinoLogger;
  readonly metrics: PrometheusMetrics;
  readonly clock: Clock;
  readonly cleanups: Cleanups;
}

/**
 * Starts a process's plumbing: logs the (redacted) config, and from now on stops cleanly on
 * SIGTERM or SIGINT, running every cleanup registered so far in reverse order.
 */
export function openProcess(
  name: string,
  config: {
    readonly LOG_LEVEL: string;
    readonly BEKLIJF_TIME_SCALE: number;
  } & Readonly<Record<string, unknown>>,
): ProcessBase {
  const logger = createLogger(config.LOG_LEVEL, name);
  logger.info({ config: redactConfig(config) }, `starting beklijf ${name}`);
  const cleanups = createCleanups(logger);
  exitOnSignal(() => cleanups.run(), logger);
  return {
    name,
    logger,
    metrics: createMetrics(),
    clock: createScaledClock({ scale: config.BEKLIJF_TIME_SCALE }),
    cleanups,
  };
}

/**
 * Applies pending migrations when asked, then opens a Prisma client that is closed on stop
 * (`statementName`: see createDb).
 */
export async function openDatabase(
  base: ProcessBase,
  options: {
    url: string;
    migrate: boolean;
    statementName?: (query: { readonly sql: string }) => string;
  },
): Promise<PrismaClient> {
  if (options.migrate) {
    const { applied } = await applyMigrations({
      connectionString: options.url,
      log: (msg) => {
        base.logger.info({}, msg);
      },
    });
    if (applied.length > 0)
      base.logger.info({ applied }, "applied database migrations");
  }
  const db = createDb(
    options.url,
    options.statementName === undefined
      ? {}
      : { statementName: options.statementName },
  );
  base.cleanups.add(() => db.$disconnect());
  return db;
}

/** A Redis connection for BullMQ ("worker" blocks and retries forever; "producer" fails fast). */
export function openRedis(
  base: ProcessBase,
  url: string,
  role: "worker" | "producer",
): Redis {
  const connection = createRedisConnection(url, role);
  connection.on("error", (error) => {
    base.logger.warn({ err: error.message, role }, "redis error");
  });
  base.cleanups.add(() => {
    connection.disconnect();
    return Promise.resolve();
  });
  return connection;
}

/** The standard readiness checks: Postgres, and Redis when the process uses it. */
export function infrastructureChecks(
  db: PrismaClient,
  redisUrl?: string,
): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [
    { name: "postgres", check: () => pingDb(db) },
  ];
  if (redisUrl !== undefined)
    checks.push({ name: "redis", check: () => pingRedis(redisUrl) });
  return checks;
}

/**
 * Serves `/healthz`, `/readyz` and `/metrics` plus what `mount` adds, on `port` (0 = any free
 * port). The server is closed on stop. `isStarted` gates readiness until start-up has finished.
 */
export async function serveHttp(
  base: ProcessBase,
  options: {
    port: number;
    checks: readonly ReadinessCheck[];
    mount?: (app: Express) => void;
    isStarted?: () => boolean;
    /** Proxies in front whose X-Forwarded-For is trusted for req.ip (BEKLIJF_TRUST_PROXY). */
    trustProxy?: number;
  },
): Promise<{ app: Express; server: Server; port: number }> {
  const app = express();
  app.disable("x-powered-by");
  // Mounted apps (web, ingest) inherit it, so req.ip is the client behind a load balancer.
  if (options.trustProxy !== undefined && options.trustProxy > 0)
    app.set("trust proxy", options.trustProxy);
  app.use((req, res, next) => {
    const end = base.metrics.httpDuration.startTimer({ method: req.method });
    res.on("finish", () =>
      end({
        route:
          req.baseUrl === "" ? (req.path.split("/")[1] ?? "") : req.baseUrl,
        status: String(res.statusCode),
      }),
    );
    next();
  });
  app.use(
    healthRouter({
      registry: base.metrics.registry,
      isStarted: options.isStarted ?? (() => true),
      checks: options.checks,
    }),
  );
  options.mount?.(app);
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port, () => {
      resolve(listening);
    });
    listening.once("error", reject);
  });
  base.cleanups.add(() => stopListening(server));
  const address = server.address();
  const port =
    typeof address === "object" && address !== null
      ? address.port
      : options.port;
  base.logger.info({ port }, `${base.name} listening`);
  return { app, server, port };
}

/**
 * Stops accepting connections and waits for open requests to finish. Safe to call twice (the
 * all-in-one stops listening before it stops the services the server feeds).
 */
export function stopListening(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
  });
}
