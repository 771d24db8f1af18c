import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

import type { AllInOneConfig } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { createScaledClock, type Logger } from "@beklijf/core";
import {
  applyMigrations,
  bootstrapTenant,
  createDb,
  pingDb,
} from "@beklijf/db";
import {
  EMBEDDED_POSTGRES_PORT,
  embeddedPostgresUrl,
  ensureRedis,
  isEmbeddedPostgresRunning,
  startEmbeddedPostgres,
  startSmtpSink,
} from "@beklijf/embedded";
import * as engine from "@beklijf/engine";
import * as ingest from "@beklijf/ingest";
import * as mailer from "@beklijf/mailer";
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  pingRedis,
} from "@beklijf/queue";
import { createCleanups, createMetrics, healthRouter } from "@beklijf/runtime";
import * as web from "@beklijf/web";
import express from "express";

import { createOutboxPort } from "./outbox";
import { resolveSecret } from "./secret";

export interface AllInOneHandle {
  /** Where it listens, e.g. http://localhost:3000. */
  readonly url: string;
  readonly port: number;
  /** Base of the links in emails. */
  readonly publicUrl: string;
  /** The admin API token, when this start created the first one (printed once). */
  readonly firstAdminToken: string | undefined;
  /** Runs one reconciler pass now. */
  reconcile(): Promise<number>;
  stop(): Promise<void>;
}

/** Port for a redis-server we start ourselves when nothing answers on 6379. */
const EMBEDDED_REDIS_PORT = 63790;

/**
 * Runs ingest, engine, mailer and web in one process on one port: the embedded default for a
 * newcomer (no env at all) and the way end-to-end tests run beklijf. Stops what it started, in
 * reverse order, on stop().
 */
export async function startAll(
  config: AllInOneConfig,
  logger: Logger,
  options: { contentPackDir?: string } = {},
): Promise<AllInOneHandle> {
  const cleanups = createCleanups(logger);
  const stopAll = (): Promise<void> => cleanups.run();
  try {
    const dataDir = path.resolve(config.BEKLIJF_DATA_DIR);

    let databaseUrl = config.DATABASE_URL;
    if (databaseUrl === undefined && (await isEmbeddedPostgresRunning())) {
      // Left running by an earlier start that was killed, or started by the CLI: reuse it.
      databaseUrl = embeddedPostgresUrl();
      logger.info(
        { port: EMBEDDED_POSTGRES_PORT },
        "reusing the embedded Postgres that is already running",
      );
    }
    if (databaseUrl === undefined) {
      const embedded = await startEmbeddedPostgres({
        dataDir,
        port: EMBEDDED_POSTGRES_PORT,
        logger,
      });
      cleanups.add(() => embedded.stop());
      databaseUrl = embedded.url;
      logger.info(
        { port: EMBEDDED_POSTGRES_PORT, dir: path.join(dataDir, "postgres") },
        "using the embedded Postgres (set DATABASE_URL to use your own)",
      );
    }
    if (config.BEKLIJF_MIGRATE_ON_START) {
      const { applied } = await applyMigrations({
        connectionString: databaseUrl,
        log: (msg) => {
          logger.info({}, msg);
        },
      });
      if (applied.length > 0)
        logger.info({ applied }, "applied database migrations");
    }

    let redisUrl = config.REDIS_URL;
    if (redisUrl === undefined) {
      const redis = await ensureRedis({
        dataDir,
        fallbackPort: EMBEDDED_REDIS_PORT,
        logger,
      });
      cleanups.add(() => redis.stop());
      redisUrl = redis.url;
      logger.info(
        { origin: redis.origin },
        "using a local Redis (set REDIS_URL to use your own)",
      );
    }

    let smtpUrl = config.SMTP_URL;
    let outbox: web.OutboxPort | undefined;
    if (smtpUrl === undefined) {
      const outboxDir = path.join(dataDir, "outbox");
      const sink = await startSmtpSink({ dir: outboxDir });
      cleanups.add(() => sink.close());
      smtpUrl = sink.url;
      outbox = createOutboxPort(outboxDir);
      logger.info(
        { dir: outboxDir },
        "emails go to the embedded SMTP sink; see /outbox (set SMTP_URL to send for real)",
      );
    }

    const secret = resolveSecret(config.BEKLIJF_SECRET, dataDir);
    const clock = createScaledClock({ scale: config.BEKLIJF_TIME_SCALE });
    if (clock.scale !== 1)
      logger.warn(
        { scale: clock.scale },
        "time runs faster than real time (BEKLIJF_TIME_SCALE); for demos and tests only",
      );

    const db = createDb(databaseUrl);
    cleanups.add(() => db.$disconnect());
    const pack = await loadContentPack(
      options.contentPackDir ?? path.join(TEMPLATES_DIR, "werkplekleren"),
    );
    const { changedRules, firstAdminToken } = await bootstrapTenant(db, {
      pack: { key: pack.name, name: pack.title, rules: pack.rules },
    });
    if (changedRules.length > 0)
      logger.info(
        { pack: pack.name, rules: changedRules },
        "rules installed or updated from the content pack",
      );

    const metrics = createMetrics();
    const producer = createRedisConnection(redisUrl, "producer");
    const workerConnection = createRedisConnection(redisUrl, "worker");
    producer.on("error", (error) => {
      logger.warn({ err: error.message }, "redis (producer) error");
    });
    workerConnection.on("error", (error) => {
      logger.warn({ err: error.message }, "redis (worker) error");
    });
    cleanups.add(() => {
      workerConnection.disconnect();
      producer.disconnect();
      return Promise.resolve();
    });
    const queues = createQueues({
      connection: producer,
      prefix: config.BEKLIJF_REDIS_PREFIX,
      logger,
    });
    cleanups.add(() => closeQueues(queues));

    const root = express();
    root.disable("x-powered-by");
    root.use((req, res, next) => {
      const end = metrics.httpDuration.startTimer({ method: req.method });
      res.on("finish", () =>
        end({
          route:
            req.baseUrl === "" ? (req.path.split("/")[1] ?? "") : req.baseUrl,
          status: String(res.statusCode),
        }),
      );
      next();
    });
    let ready = false;
    root.use(
      healthRouter({
        registry: metrics.registry,
        isStarted: () => ready,
        checks: [
          { name: "postgres", check: () => pingDb(db) },
          { name: "redis", check: () => pingRedis(redisUrl) },
        ],
      }),
    );

    const server: Server = await new Promise((resolve, reject) => {
      const listening = root.listen(config.PORT, "0.0.0.0", () => {
        resolve(listening);
      });
      listening.once("error", reject);
    });
    cleanups.add(
      () =>
        new Promise<void>((resolve) =>
          server.close(() => {
            resolve();
          }),
        ),
    );
    const port = (server.address() as AddressInfo).port;
    const publicUrl = (
      config.BEKLIJF_PUBLIC_URL ?? `http://localhost:${port}`
    ).replace(/\/+$/, "");

    const ingestHandle = ingest.start({
      db,
      queues,
      clock,
      logger: logger.child({ component: "ingest" }),
      metrics,
    });
    cleanups.add(() => ingestHandle.stop());
    const engineHandle = engine.start({
      db,
      queues,
      connection: workerConnection,
      prefix: config.BEKLIJF_REDIS_PREFIX,
      clock,
      logger: logger.child({ component: "engine" }),
      metrics,
    });
    cleanups.add(() => engineHandle.stop());
    const mailerHandle = mailer.start({
      db,
      connection: workerConnection,
      prefix: config.BEKLIJF_REDIS_PREFIX,
      transport: mailer.createSmtpTransport(smtpUrl),
      renderer: pack.renderer,
      clock,
      logger: logger.child({ component: "mailer" }),
      metrics,
      publicUrl,
      secret,
      mailFrom: config.BEKLIJF_MAIL_FROM,
      linkTtlDays: config.BEKLIJF_LINK_TTL_DAYS,
    });
    cleanups.add(() => mailerHandle.stop());
    const webHandle = web.start({
      db,
      clock,
      logger: logger.child({ component: "web" }),
      secret,
      publicUrl,
      ...(outbox === undefined ? {} : { outbox }),
    });
    cleanups.add(() => webHandle.stop());

    root.use("/xapi", ingestHandle.app);
    root.use("/", webHandle.app);
    ready = true;

    return {
      url: `http://localhost:${port}`,
      port,
      publicUrl,
      firstAdminToken,
      reconcile: () => engineHandle.reconcile(),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
