import path from "node:path";

import { engineSchema, redactConfig } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { createScaledClock } from "@beklijf/core";
import {
  applyMigrations,
  bootstrapTenant,
  createDb,
  pingDb,
} from "@beklijf/db";
import {
  closeQueues,
  createQueues,
  createRedisConnection,
  pingRedis,
} from "@beklijf/queue";
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

// services/engine on its own: the statements and nudges workers and the reconciler. Several may
// run at once; deterministic job ids and row-level guards keep them from doing work twice.

async function main(): Promise<void> {
  const config = loadConfigOrExit(engineSchema, process.env);
  const logger = createLogger(config.LOG_LEVEL, "engine");
  logger.info({ config: redactConfig(config) }, "starting beklijf engine");
  const cleanups = createCleanups(logger);
  if (config.BEKLIJF_MIGRATE_ON_START)
    await applyMigrations({ connectionString: config.DATABASE_URL });
  const db = createDb(config.DATABASE_URL);
  cleanups.add(() => db.$disconnect());
  const pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
  const { firstAdminToken } = await bootstrapTenant(db, {
    pack: { key: pack.name, name: pack.title, rules: pack.rules },
  });
  if (firstAdminToken !== undefined)
    process.stdout.write(
      `admin API token (shown once, keep it safe): ${firstAdminToken}\n`,
    );

  const producer = createRedisConnection(config.REDIS_URL, "producer");
  const worker = createRedisConnection(config.REDIS_URL, "worker");
  for (const connection of [producer, worker])
    connection.on("error", (error) => {
      logger.warn({ err: error.message }, "redis error");
    });
  cleanups.add(() => {
    producer.disconnect();
    return Promise.resolve();
  });
  cleanups.add(() => {
    worker.disconnect();
    return Promise.resolve();
  });
  const queues = createQueues({
    connection: producer,
    prefix: config.BEKLIJF_REDIS_PREFIX,
    logger,
  });
  cleanups.add(() => closeQueues(queues));
  const metrics = createMetrics();
  const handle = start({
    db,
    queues,
    connection: worker,
    prefix: config.BEKLIJF_REDIS_PREFIX,
    clock: createScaledClock({ scale: config.BEKLIJF_TIME_SCALE }),
    logger,
    metrics,
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
    logger.info({ port: config.PORT }, "engine health endpoints listening");
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
