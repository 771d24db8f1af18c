import {
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import path from "node:path";

import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One captured message, parsed. */
export interface CapturedMail {
  readonly id: string;
  readonly from: string;
  readonly to: string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly receivedAt: Date;
  readonly raw: string;
}

export interface SmtpSink {
  readonly port: number;
  readonly url: string;
  /** Messages received so far, oldest first. */
  messages(): readonly CapturedMail[];
  /** Resolves when `predicate` matches a message, or rejects after `timeoutMs`. */
  waitFor(
    predicate: (mail: CapturedMail) => boolean,
    timeoutMs: number,
  ): Promise<CapturedMail>;
  /** Make the next RCPT TO for `address` fail with this SMTP code (451 temporary, 550 permanent). */
  failRecipient(address: string, code: number, times?: number): void;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 that keeps what it receives: in memory, and as .eml files under
 * `dir` when given (the embedded default's outbox page lists them). For the embedded default and
 * for tests; it accepts any credentials and never relays.
 */
export async function startSmtpSink(
  options: { port?: number; dir?: string } = {},
): Promise<SmtpSink> {
  const received: CapturedMail[] = [];
  const waiters = new Set<() => void>();
  const failures = new Map<string, { code: number; times: number }>();
  if (options.dir !== undefined) mkdirSync(options.dir, { recursive: true });
  let counter = 0;

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth: (_auth, _session, callback) => {
      callback(null, { user: "sink" });
    },
    onRcptTo: (address, _session, callback) => {
      const failure = failures.get(address.address.toLowerCase());
      if (failure !== undefined && failure.times > 0) {
        failure.times -= 1;
        const error = Object.assign(
          new Error(
            failure.code >= 500 ? "Mailbox unavailable" : "Try again later",
          ),
          { responseCode: failure.code },
        );
        callback(error);
        return;
      }
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            counter += 1;
            const receivedAt = new Date();
            const id = `${receivedAt.getTime()}-${counter}`;
            const headers: Record<string, string> = {};
            for (const line of parsed.headerLines)
              headers[line.key] = line.line
                .slice(line.line.indexOf(":") + 1)
                .trim();
            const mail: CapturedMail = {
              id,
              from:
                session.envelope.mailFrom === false
                  ? ""
                  : session.envelope.mailFrom.address,
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              headers,
              receivedAt,
              raw: raw.toString("utf8"),
            };
            received.push(mail);
            if (options.dir !== undefined)
              writeFileSync(path.join(options.dir, `${id}.eml`), raw);
            for (const wake of waiters) wake();
            callback();
          })
          .catch((error: unknown) => {
            callback(error instanceof Error ? error : new Error(String(error)));
          });
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      resolve();
    });
  });
  server.on("error", () => undefined);
  const port = (server.server.address() as AddressInfo).port;

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages: () => received,
    failRecipient: (address, code, times = 1) =>
      failures.set(address.toLowerCase(), { code, times }),
    waitFor: (predicate, timeoutMs) =>
      new Promise<CapturedMail>((resolve, reject) => {
        const check = (): boolean => {
          const found = received.find(predicate);
          if (found === undefined) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(
            new Error(
              `No matching mail within ${timeoutMs} ms (received ${received.length}: ${received.map((m) => m.subject).join(" | ")})`,
            ),
          );
        }, timeoutMs);
        waiters.add(wake);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** A stored outbox message's summary, read from the .eml files a sink wrote. */
export interface OutboxEntrySummary {
  readonly id: string;
  readonly receivedAt: Date;
  readonly size: number;
}

export function listOutboxFiles(dir: string): OutboxEntrySummary[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".eml"));
  } catch {
    return [];
  }
  return files
    .map((file) => {
      const stats = statSync(path.join(dir, file));
      return {
        id: file.slice(0, -4),
        receivedAt: stats.mtime,
        size: stats.size,
      };
    })
    .sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
}

export function readOutboxFile(dir: string, id: string): Buffer | undefined {
  if (!/^[0-9]+-[0-9]+$/.test(id)) return undefined;
  try {
    return readFileSync(path.join(dir, `${id}.eml`));
  } catch {
    return undefined;
  }
}
