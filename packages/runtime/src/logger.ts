import pino, { type Logger as PinoLogger } from "pino";

/**
 * Structured JSON logs. Secrets never reach them: config values go through redactConfig, and these
 * paths are censored wherever they appear in a logged object.
 */
export function createLogger(level: string, service = "beklijf"): PinoLogger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: [
        "password",
        "secret",
        "token",
        "authorization",
        "*.password",
        "*.secret",
        "*.token",
        "*.authorization",
        "req.headers.authorization",
        "DATABASE_URL",
        "REDIS_URL",
        "SMTP_URL",
        "BEKLIJF_SECRET",
      ],
      censor: "[redacted]",
    },
  });
}
