export { booleanFlag, integer, urlWith } from "./fields";
export { type ConfigProblem, ConfigError, type Env, loadConfig } from "./load-config";
export {
  type AllInOneConfig,
  CONFIG_EXAMPLES,
  type CliConfig,
  SECRET_KEYS,
  allInOneSchema,
  cliSchema,
  databaseSchema,
  httpSchema,
  loggingSchema,
  redactConfig,
  redisSchema,
  runtimeSchema,
  smtpSchema,
} from "./schemas";
