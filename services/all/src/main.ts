import { allInOneSchema, redactConfig } from "@beklijf/config";
import { RedisUnavailableError } from "@beklijf/embedded";
import { createLogger, exitOnSignal, loadConfigOrExit } from "@beklijf/runtime";

import { startAll } from "./start";

// The composition root of `npm start`: the only place that reads process.env.

async function main(): Promise<void> {
  const config = loadConfigOrExit(allInOneSchema, process.env);
  const logger = createLogger(config.LOG_LEVEL);
  logger.info(
    { config: redactConfig(config) },
    "starting beklijf (all-in-one)",
  );
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
  process.stdout.write(
    `\nbeklijf is running on ${running.url}\n  xAPI endpoint: ${running.publicUrl}/xapi\n  create LMS credentials: npx beklijf connection create --name moodle\n`,
  );
  if (running.firstAdminToken !== undefined) {
    process.stdout.write(
      `  admin API token (shown once, keep it safe): ${running.firstAdminToken}\n`,
    );
  }
  process.stdout.write("\n");
  exitOnSignal(() => running.stop(), logger);
}

void main();
