import { Readable } from "node:stream";

import nodemailer, { type Transporter } from "nodemailer";
import type MailMessage from "nodemailer/lib/mailer/mail-message";

/** nodemailer's timeouts for one attempt; their sum stays under DEFAULT_SEND_ATTEMPT_TIMEOUT_MS. */
const TIMEOUTS = {
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
} as const;

/** Longer than any one SMTP attempt can take with the transport's timeouts (see deps). */
export const DEFAULT_SEND_ATTEMPT_TIMEOUT_MS = 5 * 60_000;

/** A message built whole (see buildMimeMessage), ready for SMTP. */
export interface RawEmail {
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
  /** The whole RFC 5322 message. */
  readonly raw: Buffer;
  /** The message's Message-ID, with its angle brackets (for nodemailer's log lines). */
  readonly messageId: string;
}

/** The mailer's way out: built messages over nodemailer's pooled SMTP connections. */
export interface SmtpTransport {
  /**
   * Resolves once the server accepted the message (250 after DATA). Rejects with nodemailer's
   * error, which carries the server's `responseCode` and the `command` it answered.
   */
  send(email: RawEmail): Promise<void>;
  /** Closes the pool's connections (a message being sent finishes first). */
  close(): void;
}

/**
 * A nodemailer transporter (pooled, with the mailer's timeouts) for an smtp:// or smtps:// URL:
 * credentials in the URL, options as query parameters. Pooling is on by default (5 connections);
 * a rate limit per account is `?rateLimit=N&rateDelta=MS` (at most N messages per MS milliseconds
 * through this transport), e.g. smtp://user:pass@host:587?maxConnections=10&rateLimit=50&rateDelta=1000.
 */
export function createMailTransporter(url: string): Transporter {
  const withPool = new URL(url);
  if (!withPool.searchParams.has("pool"))
    withPool.searchParams.set("pool", "true");
  for (const [key, value] of Object.entries(TIMEOUTS))
    if (!withPool.searchParams.has(key))
      withPool.searchParams.set(key, String(value));
  return nodemailer.createTransport(withPool.toString());
}

/**
 * The mailer's transport for an SMTP URL (options as for createMailTransporter). Messages go
 * straight to nodemailer's pool (its connections, rate limit, retry of a message that a reused
 * connection never started, timeouts, authentication), without `sendMail`: that path builds a
 * message object and a MimeNode around the raw bytes, parses the envelope's addresses again and
 * streams the bytes through a pipeline, which cost about as much CPU as the SMTP exchange itself.
 */
export function createSmtpTransport(url: string): SmtpTransport {
  const transporter = createMailTransporter(url);
  const pool = transporter.transporter;
  return {
    send: (email) =>
      new Promise<void>((resolve, reject) => {
        pool.send(pooledMessage(email), (error) => {
          if (error === null) resolve();
          else reject(error);
        });
      }),
    close: () => {
      transporter.close();
    },
  };
}

/**
 * What nodemailer's SMTP transports read of a message they send (`mail.data` for DSN and abort
 * options, `mail.message` for the envelope, Message-ID and bytes); nothing else of MailMessage.
 */
function pooledMessage(email: RawEmail): MailMessage {
  const message = {
    // A fresh envelope for every attempt: the SMTP connection writes its bookkeeping into it.
    getEnvelope: () => ({
      from: email.envelope.from,
      to: [...email.envelope.to],
    }),
    messageId: () => email.messageId,
    getHeader: (key: string) =>
      key.toLowerCase() === "message-id" ? email.messageId : undefined,
    // A stream, not the Buffer: the pool tells from it whether a message was started at all.
    createReadStream: () => Readable.from([email.raw], { objectMode: false }),
  };
  // The transports' side of nodemailer's transport interface is these few members; the rest of
  // MailMessage is for sendMail, which this path leaves out on purpose.
  return { data: {}, message } as unknown as MailMessage;
}

/** The pool's size for an SMTP URL: its maxConnections parameter, else nodemailer's default 5. */
export function smtpPoolSize(url: string): number {
  const given = Number(new URL(url).searchParams.get("maxConnections"));
  return Number.isInteger(given) && given > 0 ? given : 5;
}
