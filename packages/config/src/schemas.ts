import { z } from "zod";

import { booleanFlag, integer, secretList, urlWith } from "./fields";

/**
 * Environment keys that hold secrets. The start-up summary prints them redacted, and the
 * log redaction paths are derived from this list.
 */
export const SECRET_KEYS = [
  "DATABASE_URL",
  "REDIS_URL",
  "SMTP_URL",
  "BEKLIJF_SECRET",
  "BEKLIJF_PREVIOUS_SECRETS",
] as const;

/** Example values, shown in ConfigError messages and in .env.example. */
export const CONFIG_EXAMPLES: Readonly<Record<string, string>> = {
  DATABASE_URL: "postgresql://beklijf:secret@db.internal:5432/beklijf",
  REDIS_URL: "redis://127.0.0.1:6379",
  SMTP_URL: "smtp://user:pass@smtp.example.com:587",
  PORT: "3000",
  LOG_LEVEL: "info",
  BEKLIJF_PUBLIC_URL: "https://learn.example.com",
  BEKLIJF_TIME_SCALE: "8640",
  BEKLIJF_SECRET: "a-random-string-of-at-least-32-characters",
  BEKLIJF_PREVIOUS_SECRETS: "the-secret-before-the-last-rotation-32+chars",
  BEKLIJF_DATA_DIR: ".data",
  BEKLIJF_MAIL_FROM: '"Academy" <academy@example.com>',
  BEKLIJF_LINK_TTL_DAYS: "30",
  BEKLIJF_REDIS_PREFIX: "{beklijf}",
};

/** No DATABASE_URL means the embedded Postgres (under BEKLIJF_DATA_DIR). */
export const databaseSchema = z.object({
  DATABASE_URL: urlWith(["postgres:", "postgresql:"]).optional(),
});

/** No REDIS_URL means 127.0.0.1:6379 if something answers there, else a redis-server we start. */
export const redisSchema = z.object({
  REDIS_URL: urlWith(["redis:", "rediss:"]).optional(),
  /** Key prefix of every queue; the braces are a Redis Cluster hash tag, keeping a queue on one slot. */
  BEKLIJF_REDIS_PREFIX: z
    .string()
    .regex(
      /^\{[A-Za-z0-9_-]+\}$/,
      "must be a hash tag such as {beklijf}: letters, digits, _ or - inside braces",
    )
    .default("{beklijf}"),
});

/** No SMTP_URL means the in-process SMTP sink whose mail lands in BEKLIJF_DATA_DIR/outbox. */
export const smtpSchema = z.object({
  SMTP_URL: urlWith(["smtp:", "smtps:"]).optional(),
  BEKLIJF_MAIL_FROM: z
    .string()
    .min(3)
    .default('"beklijf" <nudges@beklijf.localhost>'),
});

export const httpSchema = z.object({
  PORT: integer({ min: 0, max: 65535, default: 3000 }),
  /** Base of every link in an email; default http://localhost:$PORT. */
  BEKLIJF_PUBLIC_URL: urlWith(["http:", "https:"]).optional(),
  /**
   * How many reverse proxies (load balancers) stand in front of this process: their
   * X-Forwarded-For entries are trusted for the client's address (sign-in limits). 0: none.
   */
  BEKLIJF_TRUST_PROXY: integer({ min: 0, max: 10, default: 0 }),
});

export const loggingSchema = z.object({
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      message: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
});

export const runtimeSchema = z.object({
  /** 1 = real time; 86400 = one simulated day per second. For demos and end-to-end tests. */
  BEKLIJF_TIME_SCALE: z.coerce
    .number({ message: "must be a number" })
    .positive("must be greater than 0")
    .max(10_000_000, "must be at most 10000000")
    .default(1),
  /** Where the embedded Postgres, the SMTP sink's outbox and generated secrets live. */
  BEKLIJF_DATA_DIR: z.string().default(".data"),
  /** HMAC key for the links in emails; generated and kept in BEKLIJF_DATA_DIR when unset. */
  BEKLIJF_SECRET: z
    .string()
    .min(32, "must be at least 32 characters")
    .optional(),
  /**
   * Secrets BEKLIJF_SECRET had before a rotation, comma-separated: links in emails signed with
   * them keep working until they expire, and LRS passwords sealed with them can still be opened
   * until they are entered again. New links and seals use BEKLIJF_SECRET only.
   */
  BEKLIJF_PREVIOUS_SECRETS: secretList(),
  BEKLIJF_LINK_TTL_DAYS: integer({ min: 1, max: 365, default: 30 }),
  /** Run the pending migrations at start-up. */
  BEKLIJF_MIGRATE_ON_START: booleanFlag(true),
});

/** Everything the all-in-one process (npm start) reads. */
export const allInOneSchema = databaseSchema
  .extend(redisSchema.shape)
  .extend(smtpSchema.shape)
  .extend(httpSchema.shape)
  .extend(loggingSchema.shape)
  .extend(runtimeSchema.shape);

export type AllInOneConfig = z.output<typeof allInOneSchema>;

/**
 * The CLI needs the database (and the data dir for the embedded one); Redis only to remove the
 * pending jobs of what it erases (best effort: unset, it tries the local Redis `npm start` uses).
 */
export const cliSchema = databaseSchema.extend(loggingSchema.shape).extend({
  REDIS_URL: redisSchema.shape.REDIS_URL,
  BEKLIJF_REDIS_PREFIX: redisSchema.shape.BEKLIJF_REDIS_PREFIX,
  BEKLIJF_DATA_DIR: runtimeSchema.shape.BEKLIJF_DATA_DIR,
  /** Seals LRS passwords of pull connections; unset: the one `npm start` keeps in the data dir. */
  BEKLIJF_SECRET: runtimeSchema.shape.BEKLIJF_SECRET,
  PORT: httpSchema.shape.PORT,
  BEKLIJF_PUBLIC_URL: httpSchema.shape.BEKLIJF_PUBLIC_URL,
});

export type CliConfig = z.output<typeof cliSchema>;

/** Prints the config with secrets replaced by "<set>" or "<unset>", for the start-up log. */
export function redactConfig(
  config: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const secret = new Set<string>(SECRET_KEYS);
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [
      key,
      secret.has(key) ? (value === undefined ? "<unset>" : "<set>") : value,
    ]),
  );
}

// Standalone services (for running beyond one machine) have no embedded defaults: they need the
// shared Postgres and Redis named explicitly.

const sharedInfrastructure = z
  .object({
    DATABASE_URL: urlWith(["postgres:", "postgresql:"]),
    REDIS_URL: urlWith(["redis:", "rediss:"]),
    BEKLIJF_REDIS_PREFIX: redisSchema.shape.BEKLIJF_REDIS_PREFIX,
    BEKLIJF_TIME_SCALE: runtimeSchema.shape.BEKLIJF_TIME_SCALE,
    BEKLIJF_MIGRATE_ON_START: runtimeSchema.shape.BEKLIJF_MIGRATE_ON_START,
  })
  .extend(httpSchema.shape)
  .extend(loggingSchema.shape);

const links = z.object({
  BEKLIJF_PUBLIC_URL: urlWith(["http:", "https:"]),
  BEKLIJF_SECRET: z.string().min(32, "must be at least 32 characters"),
  BEKLIJF_PREVIOUS_SECRETS: runtimeSchema.shape.BEKLIJF_PREVIOUS_SECRETS,
  BEKLIJF_LINK_TTL_DAYS: runtimeSchema.shape.BEKLIJF_LINK_TTL_DAYS,
});

/**
 * services/ingest on its own (BEKLIJF_PUBLIC_URL names the xAPI endpoint in stored authorities).
 * BEKLIJF_SECRET opens the stored LRS passwords: without it, this process does not pull from
 * LRSs or forward answers to them.
 */
export const ingestSchema = sharedInfrastructure.extend({
  BEKLIJF_PUBLIC_URL: httpSchema.shape.BEKLIJF_PUBLIC_URL,
  BEKLIJF_SECRET: runtimeSchema.shape.BEKLIJF_SECRET,
  BEKLIJF_PREVIOUS_SECRETS: runtimeSchema.shape.BEKLIJF_PREVIOUS_SECRETS,
});
export type IngestConfig = z.output<typeof ingestSchema>;

/** services/engine on its own (PORT serves /healthz, /readyz and /metrics). */
export const engineSchema = sharedInfrastructure;
export type EngineConfig = z.output<typeof engineSchema>;

/** services/mailer on its own. */
export const mailerSchema = sharedInfrastructure.extend(links.shape).extend({
  SMTP_URL: urlWith(["smtp:", "smtps:"]),
  BEKLIJF_MAIL_FROM: smtpSchema.shape.BEKLIJF_MAIL_FROM,
});
export type MailerConfig = z.output<typeof mailerSchema>;

/** services/web on its own. */
export const webSchema = sharedInfrastructure.extend(links.shape);
export type WebConfig = z.output<typeof webSchema>;
