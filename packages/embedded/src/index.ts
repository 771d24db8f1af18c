export { EMBEDDED_POSTGRES_PORT, type EmbeddedPostgresHandle, embeddedPostgresUrl, isEmbeddedPostgresRunning, startEmbeddedPostgres } from "./postgres";
export { type RedisHandle, RedisUnavailableError, ensureRedis } from "./redis";
export { type CapturedMail, type OutboxEntrySummary, type SmtpSink, listOutboxFiles, readOutboxFile, startSmtpSink } from "./smtp-sink";
