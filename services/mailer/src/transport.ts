import nodemailer, { type Transporter } from "nodemailer";

/**
 * A pooled SMTP transport for an smtp:// or smtps:// URL (credentials in the URL, options as
 * query parameters, e.g. smtp://user:pass@host:587?maxConnections=10).
 */
export function createSmtpTransport(url: string): Transporter {
  const withPool = new URL(url);
  if (!withPool.searchParams.has("pool"))
    withPool.searchParams.set("pool", "true");
  return nodemailer.createTransport(withPool.toString());
}
