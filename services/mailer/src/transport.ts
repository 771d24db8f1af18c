import nodemailer, { type Transporter } from "nodemailer";

/** nodemailer's timeouts for one attempt; their sum stays under DEFAULT_SEND_ATTEMPT_TIMEOUT_MS. */
const TIMEOUTS = {
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
} as const;

/** Longer than any one SMTP attempt can take with the transport's timeouts (see deps). */
export const DEFAULT_SEND_ATTEMPT_TIMEOUT_MS = 5 * 60_000;

/**
 * A pooled SMTP transport for an smtp:// or smtps:// URL: credentials in the URL, options as query
 * parameters. Pooling is on by default (5 connections); a rate limit per account is
 * `?rateLimit=N&rateDelta=MS` (at most N messages per MS milliseconds through this transport),
 * e.g. smtp://user:pass@host:587?maxConnections=10&rateLimit=50&rateDelta=1000.
 */
export function createSmtpTransport(url: string): Transporter {
  const withPool = new URL(url);
  if (!withPool.searchParams.has("pool"))
    withPool.searchParams.set("pool", "true");
  for (const [key, value] of Object.entries(TIMEOUTS))
    if (!withPool.searchParams.has(key))
      withPool.searchParams.set(key, String(value));
  return nodemailer.createTransport(withPool.toString());
}

/** The pool's size for an SMTP URL: its maxConnections parameter, else nodemailer's default 5. */
export function smtpPoolSize(url: string): number {
  const given = Number(new URL(url).searchParams.get("maxConnections"));
  return Number.isInteger(given) && given > 0 ? given : 5;
}
