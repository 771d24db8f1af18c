import { ingestSchema } from "@beklijf/config";
import { closeQueues, createQueues } from "@beklijf/queue";
import {
  infrastructureChecks,
  loadConfigOrExit,
  openDatabase,
  openProcess,
  openRedis,
  serveHttp,
} from "@beklijf/runtime";

import { serveStatementsLane } from "./app";
import { start } from "./start";

// services/ingest on its own: the xAPI endpoint and the outbox relay, scaled out behind a load
// balancer on shared Postgres and Redis. The only file of this service that reads process.env.

async function main(): Promise<void> {
  const config = loadConfigOrExit(ingestSchema, process.env);
  const base = openProcess("ingest", config);
  const db = await openDatabase(base, {
    url: config.DATABASE_URL,
    migrate: config.BEKLIJF_MIGRATE_ON_START,
  });
  const queues = createQueues({
    connection: openRedis(base, config.REDIS_URL, "producer"),
    prefix: config.BEKLIJF_REDIS_PREFIX,
    logger: base.logger,
  });
  base.cleanups.add(() => closeQueues(queues));
  const handle = start(
    {
      db,
      queues,
      clock: base.clock,
      logger: base.logger,
      metrics: base.metrics,
      ...(config.BEKLIJF_PUBLIC_URL === undefined
        ? {}
        : {
            publicUrl: `${config.BEKLIJF_PUBLIC_URL.replace(/\/+$/, "")}/xapi`,
          }),
    },
    {
      databaseUrl: config.DATABASE_URL,
      ...(config.BEKLIJF_SECRET === undefined
        ? {}
        : {
            lrsWorker: {
              connection: openRedis(base, config.REDIS_URL, "worker"),
              prefix: config.BEKLIJF_REDIS_PREFIX,
              secrets: [
                config.BEKLIJF_SECRET,
                ...config.BEKLIJF_PREVIOUS_SECRETS,
              ],
            },
          }),
    },
  );
  if (config.BEKLIJF_SECRET === undefined)
    base.logger.warn(
      {},
      "BEKLIJF_SECRET is unset: this ingest does not pull from LRSs or forward answers",
    );
  base.cleanups.add(() => handle.stop());
  const { app, server } = await serveHttp(base, {
    port: config.PORT,
    trustProxy: config.BEKLIJF_TRUST_PROXY,
    checks: infrastructureChecks(db, config.REDIS_URL),
    mount: (app) => app.use("/xapi", handle.app),
  });
  // POST /xapi/statements, the hot path, goes around Express's layers (see statementsLane).
  if (
    !serveStatementsLane(server, app, (o) => handle.statementsLane(o), {
      mountPath: "/xapi",
      metrics: base.metrics,
    })
  )
    base.logger.warn(
      {},
      "the HTTP server does not call the app directly; POST /xapi/statements goes through Express",
    );
}

void main();
