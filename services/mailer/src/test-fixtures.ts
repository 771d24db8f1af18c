import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";

import {
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "@beklijf/content";
import {
  type Clock,
  createManualClock,
  type ManualClock,
  noMetrics,
} from "@beklijf/core";
import { handOffNudge, type PrismaClient } from "@beklijf/db";
import { deliveryHandOff, enqueue, type Queues } from "@beklijf/queue";
import { planNudges } from "@beklijf/rules";
import {
  aPlannedCompletion,
  aTenantWithRules,
  jobSettled,
  type OwnTestDb,
  ownTestDb,
  type SmtpSink,
  startSmtpSink,
  TEST_REDIS_URL,
  testLogger,
  type TestQueues,
  testQueues,
} from "@beklijf/testing";
import { SMTPServer } from "smtp-server";

import { type MailerHandle, start } from "./start";
import { createSmtpTransport } from "./transport";

// What the mailer's integration tests share: deliveries made the way the engine makes them, a
// mailer started on a test's own queues, and SMTP servers of a test's own on loopback.

export const PUBLIC_URL = "https://learn.example.test";
export const SECRET = "mailer-int-test-secret-0123456789abcdef";
export const MAIL_FROM = "Academie <academie@example.test>";

/** What a describe block of the mailer's integration tests works with (see useMailerWorld). */
export interface MailerWorld {
  /** The queues the world's mailer works. */
  readonly redis: TestQueues;
  /** The world's clock, at 2030-04-01T13:00:00Z. */
  readonly clock: ManualClock;
  readonly db: PrismaClient;
  readonly databaseUrl: string;
  /** The default pack (werkplekleren), loaded once. */
  readonly pack: ContentPack;
  /** The SMTP server the world's mailer sends to. */
  readonly sink: SmtpSink;
  /** A tenant with the default pack's rules. */
  readonly tenantId: string;
}

/**
 * Registers beforeAll and afterAll hooks that give the calling describe block a database of its
 * own, a tenant with the default pack, an SMTP sink, queues under a prefix of its own and a mailer
 * that works them; read the world's fields inside hooks and tests. `smtpQuery` is appended to
 * the sink's URL (e.g. "?maxConnections=10").
 */
export function useMailerWorld(
  label: string,
  options: { smtpQuery?: string; concurrency?: number } = {},
): MailerWorld {
  const redis = testQueues(label);
  const clock = createManualClock(new Date("2030-04-01T13:00:00Z"));
  let own: OwnTestDb | undefined;
  let pack: ContentPack | undefined;
  let sink: SmtpSink | undefined;
  let tenantId: string | undefined;
  let mailer: MailerHandle | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`the mailer world's ${what} is not there yet`);
    return value;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    own = await ownTestDb();
    pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
    tenantId = await aTenantWithRules(own.db, label, pack.rules, {
      key: pack.name,
      name: pack.title,
    });
    mailer = startTestMailer({
      db: own.db,
      pack,
      on: redis,
      smtpUrl: `${sink.url}${options.smtpQuery ?? ""}`,
      clock,
      concurrency: options.concurrency,
    });
  });

  afterAll(async () => {
    await mailer?.stop();
    await redis.close();
    await sink?.close();
    await own?.drop();
  });

  return {
    redis,
    clock,
    get db() {
      return ready(own, "database").db;
    },
    get databaseUrl() {
      return ready(own, "database").url;
    },
    get pack() {
      return ready(pack, "pack");
    },
    get sink() {
      return ready(sink, "sink");
    },
    get tenantId() {
      return ready(tenantId, "tenant");
    },
  };
}

/**
 * A queued delivery of the first follow-up of a completion, as the engine hands it off: statement
 * stored, person, plan from the pack's rules, hand-off of the first step. Returns its id.
 */
export async function aQueuedDelivery(
  db: PrismaClient,
  input: {
    tenantId: string;
    clock: Clock;
    learner: { name: string; email: string };
    locale?: string;
  },
): Promise<string> {
  const { tenantId, clock, learner } = input;
  const { nudges } = await aPlannedCompletion(db, {
    tenantId,
    learner,
    locale: input.locale ?? "nl",
    clock,
    planNudges,
  });
  const [first] = [...nudges].sort(
    (a, b) => a.dueAt.getTime() - b.dueAt.getTime(),
  );
  if (first === undefined) throw new Error("nothing was planned");
  const deliveryId = await handOffNudge(db, {
    nudgeId: first.id,
    tenantId,
    toAddress: learner.email,
    at: clock.now(),
    handOff: (id) => ({ tenantId, ...deliveryHandOff(id) }),
  });
  if (deliveryId === null) throw new Error("the nudge was handed off before");
  return deliveryId;
}

/**
 * Enqueues delivery.send again for each delivery, under new job ids (as a retry or the reconciler
 * brings a job back), and waits until each has settled; returns their final states in order.
 */
export async function sendAgain(
  queues: Queues,
  deliveryIds: readonly string[],
  options: { timeoutMs: number },
): Promise<string[]> {
  const jobIds = deliveryIds.map(() => `again-${randomUUID()}`);
  await Promise.all(
    deliveryIds.map((deliveryId, i) =>
      enqueue(
        queues,
        "deliveries",
        "delivery.send",
        { deliveryId },
        { jobId: jobIds[i] ?? "" },
      ),
    ),
  );
  const settled = await Promise.all(
    jobIds.map((jobId) => jobSettled(queues.deliveries, jobId, options)),
  );
  return settled.map((s) => s.state);
}

/** Starts a mailer in this process that works the deliveries queue of `on` and sends through `smtpUrl`. */
export function startTestMailer(input: {
  db: PrismaClient;
  pack: ContentPack;
  on: TestQueues;
  smtpUrl: string;
  clock: Clock;
  concurrency?: number;
}): MailerHandle {
  return start(
    {
      db: input.db,
      connection: input.on.connection,
      prefix: input.on.prefix,
      transport: createSmtpTransport(input.smtpUrl),
      pack: input.pack,
      clock: input.clock,
      logger: testLogger,
      metrics: noMetrics,
      publicUrl: PUBLIC_URL,
      secret: SECRET,
      mailFrom: MAIL_FROM,
      linkTtlDays: 30,
    },
    { concurrency: input.concurrency },
  );
}

/**
 * Starts a real mailer process (services/mailer's bin) on a test database and queue prefix, as
 * production runs it, so a test can kill it at a moment of its choosing.
 */
export function spawnMailerProcess(input: {
  /** The test process's environment (PATH and the like), passed in: only tests read env. */
  env: NodeJS.ProcessEnv;
  databaseUrl: string;
  prefix: string;
  smtpUrl: string;
}): ChildProcess {
  return spawn(
    process.execPath,
    [path.resolve(__dirname, "../bin/beklijf-mailer.js")],
    {
      env: {
        ...input.env,
        PORT: "0",
        LOG_LEVEL: "silent",
        DATABASE_URL: input.databaseUrl,
        REDIS_URL: TEST_REDIS_URL,
        BEKLIJF_REDIS_PREFIX: input.prefix,
        SMTP_URL: input.smtpUrl,
        BEKLIJF_SECRET: SECRET,
        BEKLIJF_PUBLIC_URL: PUBLIC_URL,
        BEKLIJF_MIGRATE_ON_START: "false",
      },
      stdio: "ignore",
    },
  );
}

/** An SMTP server that kills the mailer process it watches in the middle of a send. */
export interface KillingServer {
  readonly server: SMTPServer;
  /** Messages the server had whole (accepted, or held while it killed the process). */
  messages(): number;
  /** How many of those were addressed to `address`. */
  receivedBy(address: string): number;
  /** Watches a mailer process; resolves when it has exited. */
  watch(child: ChildProcess): Promise<void>;
}

/**
 * An SMTP server that, once it has the whole of message number `killAt`, kills the watched mailer
 * process (SIGKILL) and only then answers 250: the message reached the server, and the process
 * never recorded that. Every message after that is accepted at once.
 */
export function aServerThatKills(killAt: number): KillingServer {
  const received = new Map<string, number>();
  let messages = 0;
  let child: ChildProcess | undefined;
  let exited = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData: (stream, session, callback) => {
      stream.resume();
      stream.on("end", () => {
        messages += 1;
        for (const rcpt of session.envelope.rcptTo)
          received.set(rcpt.address, (received.get(rcpt.address) ?? 0) + 1);
        const dying = child;
        if (messages < killAt || dying === undefined || exited) {
          callback();
          return;
        }
        dying.once("exit", () => {
          callback();
        });
        dying.kill("SIGKILL");
      });
    },
  });
  // The killed process drops its connections mid-command; that is the point, not a failure.
  server.on("error", () => undefined);
  return {
    server,
    messages: () => messages,
    receivedBy: (address) => received.get(address) ?? 0,
    watch: (watched) => {
      child = watched;
      return new Promise<void>((resolve) => {
        watched.once("exit", () => {
          // Killed by a signal, its exitCode stays null: remember the exit here.
          exited = true;
          resolve();
        });
      });
    },
  };
}

/** Starts an SMTP server of a test's own on a free loopback port; returns the port. */
export async function listenOnLoopback(server: SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address();
  return typeof address === "object" && address !== null ? address.port : 0;
}

export function closeServer(server: SMTPServer): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}
