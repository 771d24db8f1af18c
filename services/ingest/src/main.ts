import { ingestSchema, redactConfig } from "@beklijf/config";
import { createScaledClock } from "@beklijf/core";
import { applyMigrations, createDb, pingDb } from "@beklijf/db";
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

// services/ingest on its own: the xAPI endpoint and the outbox relay, scaled out behind a load
// balancer on shared Postgres and Redis. The only file of this service that reads process.env.

async function main(): Promise<void> {
  const config = loadConfigOrExit(ingestSchema, process.env);
  const logger = createLogger(config.LOG_LEVEL, "ingest");
  logger.info({ config: redactConfig(config) }, "starting beklijf ingest");
  const cleanups = createCleanups(logger);
  if (config.BEKLIJF_MIGRATE_ON_START)
    await applyMigrations({ connectionString: config.DATABASE_URL });
  const db = createDb(config.DATABASE_URL);
  cleanups.add(() => db.$disconnect());
  const producer = createRedisConnection(config.REDIS_URL, "producer");
  producer.on("error", (error) => {
    logger.warn({ err: error.message }, "redis error");
  });
  cleanups.add(() => {
    producer.disconnect();
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
  app.use("/xapi", handle.app);
  const server = app.listen(config.PORT, () => {
    logger.info({ port: config.PORT }, "ingest listening");
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
