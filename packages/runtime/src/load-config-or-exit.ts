import {
  CONFIG_EXAMPLES,
  ConfigError,
  type Env,
  loadConfig,
} from "@beklijf/config";
import type { z } from "zod";

/** For main.ts: parse the environment, or print every problem and exit with code 2. */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: Env,
): Readonly<z.output<S>> {
  try {
    return loadConfig(schema, env, CONFIG_EXAMPLES);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
