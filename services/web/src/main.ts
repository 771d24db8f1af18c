import path from "node:path";

import { webSchema } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { closeQueues, createQueues } from "@beklijf/queue";
import {
  infrastructureChecks,
  loadConfigOrExit,
  openDatabase,
  openProcess,
  openRedis,
  serveHttp,
} from "@beklijf/runtime";

import { start } from "./start";

// services/web on its own: learner pages, the admin API and the console (with Bull Board).

async function main(): Promise<void> {
  const config = loadConfigOrExit(webSchema, process.env);
  const base = openProcess("web", config);
  const db = await openDatabase(base, {
    url: config.DATABASE_URL,
    migrate: config.BEKLIJF_MIGRATE_ON_START,
  });
  // Only for Bull Board in the console: web enqueues nothing itself.
  const queues = createQueues({
    connection: openRedis(base, config.REDIS_URL, "producer"),
    prefix: config.BEKLIJF_REDIS_PREFIX,
    logger: base.logger,
  });
  base.cleanups.add(() => closeQueues(queues));
  const handle = start({
    db,
    clock: base.clock,
    logger: base.logger,
    secret: config.BEKLIJF_SECRET,
    previousSecrets: config.BEKLIJF_PREVIOUS_SECRETS,
    publicUrl: config.BEKLIJF_PUBLIC_URL.replace(/\/+$/, ""),
    queues,
    // The console's template editor and /api/templates, /api/preview (no test sends: no SMTP here).
    mail: {
      pack: await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren")),
    },
  });
  base.cleanups.add(() => handle.stop());
  await serveHttp(base, {
    port: config.PORT,
    trustProxy: config.BEKLIJF_TRUST_PROXY,
    checks: infrastructureChecks(db),
    mount: (app) => app.use("/", handle.app),
  });
}

void main();
