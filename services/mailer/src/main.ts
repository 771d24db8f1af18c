import path from "node:path";

import { mailerSchema, redactConfig } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { createScaledClock } from "@beklijf/core";
import { applyMigrations, createDb, pingDb } from "@beklijf/db";
import { createRedisConnection, pingRedis } from "@beklijf/queue";
import {
  createCleanups,
  createLogger,
  createMetrics,
  exitOnSignal,
  healthRouter,
  loadConfigOrExit,
} from "@beklijf/runtime";
import express from "express";

import { start } from "./start";
import { createSmtpTransport } from "./transport";

// services/mailer on its own: renders and sends deliveries. Its BEKLIJF_SECRET must equal the web
// service's, which verifies the links it signs.

async function main(): Promise<void> {
  const config = loadConfigOrExit(mailerSchema, process.env);
  const logger = createLogger(config.LOG_LEVEL, "mailer");
  logger.info({ config: redactConfig(config) }, "starting beklijf mailer");
  const cleanups = createCleanups(logger);
  if (config.BEKLIJF_MIGRATE_ON_START)
    await applyMigrations({ connectionString: config.DATABASE_URL });
  const db = createDb(config.DATABASE_URL);
  cleanups.add(() => db.$disconnect());
  const pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
  const worker = createRedisConnection(config.REDIS_URL, "worker");
  worker.on("error", (error) => {
    logger.warn({ err: error.message }, "redis error");
  });
  cleanups.add(() => {
    worker.disconnect();
    return Promise.resolve();
  });
  const metrics = createMetrics();
  const handle = start({
    db,
    connection: worker,
    prefix: config.BEKLIJF_REDIS_PREFIX,
    transport: createSmtpTransport(config.SMTP_URL),
    renderer: pack.renderer,
    clock: createScaledClock({ scale: config.BEKLIJF_TIME_SCALE }),
    logger,
    metrics,
    publicUrl: config.BEKLIJF_PUBLIC_URL.replace(/\/+$/, ""),
    secret: config.BEKLIJF_SECRET,
    mailFrom: config.BEKLIJF_MAIL_FROM,
    linkTtlDays: config.BEKLIJF_LINK_TTL_DAYS,
  });
  cleanups.add(() => handle.stop());

  const app = express();
  app.disable("x-powered-by");
  app.use(
    healthRouter({
      registry: metrics.registry,
      isStarted: () => true,
      checks: [
        { name: "postgres", check: () => pingDb(db) },
        { name: "redis", check: () => pingRedis(config.REDIS_URL) },
      ],
    }),
  );
  const server = app.listen(config.PORT, () => {
    logger.info({ port: config.PORT }, "mailer health endpoints listening");
  });
  cleanups.add(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  exitOnSignal(() => cleanups.run(), logger);
}

void main();
