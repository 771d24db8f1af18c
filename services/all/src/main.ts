import { allInOneSchema, CONFIG_EXAMPLES, ConfigError, loadConfig, redactConfig } from "@beklijf/config";
import { RedisUnavailableError } from "@beklijf/embedded";

import { createLogger } from "./logger";
import { startAll } from "./start";

// The composition root of `npm start`: the only place that reads process.env.

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(allInOneSchema, process.env, CONFIG_EXAMPLES);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  logger.info({ config: redactConfig(config) }, "starting beklijf (all-in-one)");
  let handle;
  try {
    handle = await startAll(config, logger);
  } catch (error) {
    if (error instanceof RedisUnavailableError) {
      process.stderr.write(`\n${error.message}\n\n`);
      process.exit(3);
    }
    logger.fatal({ err: error }, "beklijf could not start");
    process.exit(1);
  }
  const running = handle;
  process.stdout.write(`\nbeklijf is running on ${running.url}\n  xAPI endpoint: ${running.publicUrl}/xapi\n  create LMS credentials: npx beklijf connection create --name moodle\n`);
  if (running.firstAdminToken !== undefined) {
    process.stdout.write(`  admin API token (shown once, keep it safe): ${running.firstAdminToken}\n`);
  }
  process.stdout.write("\n");
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    running
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, "error while stopping");
        process.exit(1);
      });
  };
  process.on("SIGTERM", () => { shutdown("SIGTERM"); });
  process.on("SIGINT", () => { shutdown("SIGINT"); });
}

void main();
