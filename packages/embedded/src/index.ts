export {
  EMBEDDED_POSTGRES_PORT,
  type EmbeddedPostgresHandle,
  embeddedPostgresUrl,
  isEmbeddedPostgresRunning,
  startEmbeddedPostgres,
} from "./postgres";
export {
  EMBEDDED_REDIS_PORT,
  ensureRedis,
  type RedisHandle,
  RedisUnavailableError,
} from "./redis";
export {
  type CapturedMail,
  listOutboxFiles,
  type OutboxEntrySummary,
  readOutboxFile,
  type SmtpSink,
  startSmtpSink,
} from "./smtp-sink";
