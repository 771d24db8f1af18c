export { booleanFlag, integer, urlWith } from "./fields";
export { ConfigError, type ConfigProblem, type Env, loadConfig } from "./load-config";
export {
  type AllInOneConfig,
  allInOneSchema,
  type CliConfig,
  cliSchema,
  CONFIG_EXAMPLES,
  databaseSchema,
  httpSchema,
  loggingSchema,
  redactConfig,
  redisSchema,
  runtimeSchema,
  SECRET_KEYS,
  smtpSchema,
} from "./schemas";
