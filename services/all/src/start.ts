import path from "node:path";

import type { AllInOneConfig } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { bootstrapTenant, ensureFirstConsoleAdmin } from "@beklijf/db";
import {
  EMBEDDED_POSTGRES_PORT,
  EMBEDDED_REDIS_PORT,
  embeddedPostgresUrl,
  ensureRedis,
  isEmbeddedPostgresRunning,
  startEmbeddedPostgres,
  startSmtpSink,
} from "@beklijf/embedded";
import * as engine from "@beklijf/engine";
import * as ingest from "@beklijf/ingest";
import * as mailer from "@beklijf/mailer";
import { closeQueues, createQueues, pingRedis } from "@beklijf/queue";
import {
  infrastructureChecks,
  openDatabase,
  openRedis,
  type ProcessBase,
  serveHttp,
  stopListening,
} from "@beklijf/runtime";
import * as web from "@beklijf/web";

import { createOutboxPort } from "./outbox";
import { resolveSecret } from "./secret";

export interface AllInOneHandle {
  /** Where it listens, e.g. http://localhost:3000. */
  readonly url: string;
  readonly port: number;
  /** Base of the links in emails. */
  readonly publicUrl: string;
  /** The admin API token, when this start created the first one (printed once). */
  readonly firstAdminToken: string | undefined;
  /** The console admin's sign-in, when this start created it (printed once). */
  readonly firstConsoleAdmin: { email: string; password: string } | undefined;
  /** Runs one reconciler pass now. */
  reconcile(): Promise<number>;
}

/**
 * Runs ingest, engine, mailer and web in one process on one port: the embedded default for a
 * newcomer (no env at all) and the way end-to-end tests run beklijf. Everything it opens is
 * registered on `base.cleanups`, so stopping the process closes it in reverse order.
 */
export async function startAll(
  config: AllInOneConfig,
  base: ProcessBase,
  options: { contentPackDir?: string } = {},
): Promise<AllInOneHandle> {
  const { logger, cleanups } = base;
  const dataDir = path.resolve(config.BEKLIJF_DATA_DIR);

  let databaseUrl = config.DATABASE_URL;
  if (databaseUrl === undefined && (await isEmbeddedPostgresRunning())) {
    // Left running by an earlier start that was killed, or started by the CLI: reuse it.
    databaseUrl = embeddedPostgresUrl();
    logger.info(
      { port: EMBEDDED_POSTGRES_PORT },
      "reusing the embedded Postgres that is already running",
    );
  }
  if (databaseUrl === undefined) {
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: EMBEDDED_POSTGRES_PORT,
      logger,
    });
    cleanups.add(() => embedded.stop());
    databaseUrl = embedded.url;
    logger.info(
      { port: EMBEDDED_POSTGRES_PORT, dir: path.join(dataDir, "postgres") },
      "using the embedded Postgres (set DATABASE_URL to use your own)",
    );
  }
  const db = await openDatabase(base, {
    url: databaseUrl,
    migrate: config.BEKLIJF_MIGRATE_ON_START,
  });

  let redisUrl = config.REDIS_URL;
  if (redisUrl === undefined) {
    const redis = await ensureRedis({
      dataDir,
      fallbackPort: EMBEDDED_REDIS_PORT,
      logger,
      ping: pingRedis,
    });
    cleanups.add(() => redis.stop());
    redisUrl = redis.url;
    logger.info(
      { origin: redis.origin },
      "using a local Redis (set REDIS_URL to use your own)",
    );
  }

  let smtpUrl = config.SMTP_URL;
  let outbox: web.OutboxPort | undefined;
  if (smtpUrl === undefined) {
    const outboxDir = path.join(dataDir, "outbox");
    const sink = await startSmtpSink({ dir: outboxDir });
    cleanups.add(() => sink.close());
    smtpUrl = sink.url;
    outbox = createOutboxPort(outboxDir);
    logger.info(
      { dir: outboxDir },
      "emails go to the embedded SMTP sink; see /outbox (set SMTP_URL to send for real)",
    );
  }

  const secret = resolveSecret(config.BEKLIJF_SECRET, dataDir);
  const { clock, metrics } = base;
  if (clock.scale !== 1)
    logger.warn(
      { scale: clock.scale },
      "time runs faster than real time (BEKLIJF_TIME_SCALE); for demos and tests only",
    );

  const pack = await loadContentPack(
    options.contentPackDir ?? path.join(TEMPLATES_DIR, "werkplekleren"),
  );
  const { tenant, changedRules, keptEditedRules, firstAdminToken } =
    await bootstrapTenant(db, {
      pack: { key: pack.name, name: pack.title, rules: pack.rules },
    });
  const firstConsoleAdmin = await ensureFirstConsoleAdmin(db, tenant.id);
  if (changedRules.length > 0)
    logger.info(
      { pack: pack.name, rules: changedRules },
      "rules installed or updated from the content pack",
    );
  if (keptEditedRules.length > 0)
    logger.warn(
      { pack: pack.name, rules: keptEditedRules },
      "the content pack has a newer text for rules edited in the console; the edits are kept",
    );

  const prefix = config.BEKLIJF_REDIS_PREFIX;
  const queues = createQueues({
    connection: openRedis(base, redisUrl, "producer"),
    prefix,
    logger,
  });
  cleanups.add(() => closeQueues(queues));
  const workerConnection = openRedis(base, redisUrl, "worker");

  // Listen first: with PORT=0 the links in emails need the port the system picked.
  let started = false;
  const { app, port, server } = await serveHttp(base, {
    port: config.PORT,
    trustProxy: config.BEKLIJF_TRUST_PROXY,
    checks: infrastructureChecks(db, redisUrl),
    isStarted: () => started,
  });
  const publicUrl = (
    config.BEKLIJF_PUBLIC_URL ?? `http://localhost:${port}`
  ).replace(/\/+$/, "");

  const ingestHandle = ingest.start(
    {
      db,
      queues,
      clock,
      logger: logger.child({ component: "ingest" }),
      metrics,
      publicUrl: `${publicUrl}/xapi`,
    },
    {
      databaseUrl,
      lrsWorker: {
        connection: workerConnection,
        prefix,
        secrets: [secret, ...config.BEKLIJF_PREVIOUS_SECRETS],
      },
    },
  );
  cleanups.add(() => ingestHandle.stop());
  const engineHandle = engine.start({
    db,
    queues,
    connection: workerConnection,
    prefix,
    clock,
    logger: logger.child({ component: "engine" }),
    metrics,
  });
  cleanups.add(() => engineHandle.stop());
  const mailerHandle = mailer.start({
    db,
    connection: workerConnection,
    prefix,
    transport: mailer.createSmtpTransport(smtpUrl),
    pack,
    clock,
    logger: logger.child({ component: "mailer" }),
    metrics,
    publicUrl,
    secret,
    mailFrom: config.BEKLIJF_MAIL_FROM,
    linkTtlDays: config.BEKLIJF_LINK_TTL_DAYS,
  });
  cleanups.add(() => mailerHandle.stop());
  const testSender = mailer.createTestSender(smtpUrl, config.BEKLIJF_MAIL_FROM);
  cleanups.add(() => testSender.close());
  const webHandle = web.start({
    db,
    mail: { pack, sendTest: (message) => testSender.send(message) },
    clock,
    logger: logger.child({ component: "web" }),
    secret,
    previousSecrets: config.BEKLIJF_PREVIOUS_SECRETS,
    publicUrl,
    ...(outbox === undefined ? {} : { outbox }),
    queues,
    jobs: engine.engineJobs({ queues, logger }),
  });
  cleanups.add(() => webHandle.stop());

  app.use("/xapi", ingestHandle.app);
  app.use("/", webHandle.app);
  // POST /xapi/statements goes around Express's layers, as in the standalone ingest.
  if (
    !ingest.serveStatementsLane(
      server,
      app,
      (o) => ingestHandle.statementsLane(o),
      {
        mountPath: "/xapi",
        metrics,
      },
    )
  )
    logger.warn(
      {},
      "the HTTP server does not call the app directly; POST /xapi/statements goes through Express",
    );
  // Registered last, so it runs first on stop: no request reaches a service that is stopping.
  cleanups.add(() => stopListening(server));
  started = true;

  return {
    url: `http://localhost:${port}`,
    port,
    publicUrl,
    firstAdminToken,
    firstConsoleAdmin,
    reconcile: () => engineHandle.reconcile(),
  };
}
