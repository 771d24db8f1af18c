import { redactConfig, webSchema } from "@beklijf/config";
import { createScaledClock } from "@beklijf/core";
import { applyMigrations, createDb, pingDb } from "@beklijf/db";
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

// services/web on its own: learner pages and the admin API (the console comes with issue #6).

async function main(): Promise<void> {
  const config = loadConfigOrExit(webSchema, process.env);
  const logger = createLogger(config.LOG_LEVEL, "web");
  logger.info({ config: redactConfig(config) }, "starting beklijf web");
  const cleanups = createCleanups(logger);
  if (config.BEKLIJF_MIGRATE_ON_START)
    await applyMigrations({ connectionString: config.DATABASE_URL });
  const db = createDb(config.DATABASE_URL);
  cleanups.add(() => db.$disconnect());
  const metrics = createMetrics();
  const handle = start({
    db,
    clock: createScaledClock({ scale: config.BEKLIJF_TIME_SCALE }),
    logger,
    secret: config.BEKLIJF_SECRET,
    publicUrl: config.BEKLIJF_PUBLIC_URL.replace(/\/+$/, ""),
  });
  cleanups.add(() => handle.stop());

  const app = express();
  app.disable("x-powered-by");
  app.use(
    healthRouter({
      registry: metrics.registry,
      isStarted: () => true,
      checks: [{ name: "postgres", check: () => pingDb(db) }],
    }),
  );
  app.use("/", handle.app);
  const server = app.listen(config.PORT, () => {
    logger.info({ port: config.PORT }, "web listening");
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
