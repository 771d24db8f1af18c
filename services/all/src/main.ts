import { allInOneSchema } from "@beklijf/config";
import { errorMessage } from "@beklijf/core";
import { RedisUnavailableError } from "@beklijf/embedded";
import { loadConfigOrExit, openProcess } from "@beklijf/runtime";

import { startAll } from "./start";

// The composition root of `npm start`: the only place that reads process.env.

async function main(): Promise<void> {
  const config = loadConfigOrExit(allInOneSchema, process.env);
  const base = openProcess("all-in-one", config);
  let running;
  try {
    running = await startAll(config, base);
  } catch (error) {
    await base.cleanups.run();
    if (error instanceof RedisUnavailableError) {
      process.stderr.write(`\n${error.message}\n\n`);
      process.exit(3);
    }
    base.logger.fatal(
      { err: error },
      `beklijf could not start: ${errorMessage(error)}`,
    );
    process.exit(1);
  }
  const lines = [
    `beklijf is running on ${running.url}`,
    `  xAPI endpoint: ${running.publicUrl}/xapi`,
    "  create LMS credentials: npx beklijf connection create --name moodle",
    ...(running.firstAdminToken === undefined
      ? []
      : [
          `  admin API token (shown once, keep it safe): ${running.firstAdminToken}`,
        ]),
    ...(running.firstConsoleAdmin === undefined
      ? []
      : [
          `  console: ${running.publicUrl}/console (shown once, keep it safe)`,
          `    email ${running.firstConsoleAdmin.email}, password ${running.firstConsoleAdmin.password}`,
        ]),
  ];
  process.stdout.write(`\n${lines.join("\n")}\n\n`);
}

void main();
