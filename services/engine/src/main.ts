import path from "node:path";

import { engineSchema } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { bootstrapTenant } from "@beklijf/db";
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

// services/engine on its own: the statements and nudges workers and the reconciler. Several may
// run at once; deterministic job ids and row-level guards keep them from doing work twice. It
// seeds the default tenant and the content pack's rules (under an advisory lock) at start.

async function main(): Promise<void> {
  const config = loadConfigOrExit(engineSchema, process.env);
  const base = openProcess("engine", config);
  const db = await openDatabase(base, {
    url: config.DATABASE_URL,
    migrate: config.BEKLIJF_MIGRATE_ON_START,
  });
  const pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
  const { firstAdminToken, keptEditedRules } = await bootstrapTenant(db, {
    pack: { key: pack.name, name: pack.title, rules: pack.rules },
  });
  if (keptEditedRules.length > 0)
    base.logger.warn(
      { pack: pack.name, rules: keptEditedRules },
      "the content pack has a newer text for rules edited in the console; the edits are kept",
    );
  if (firstAdminToken !== undefined)
    process.stdout.write(
      `admin API token (shown once, keep it safe): ${firstAdminToken}\n`,
    );
  const queues = createQueues({
    connection: openRedis(base, config.REDIS_URL, "producer"),
    prefix: config.BEKLIJF_REDIS_PREFIX,
    logger: base.logger,
  });
  base.cleanups.add(() => closeQueues(queues));
  const connection = openRedis(base, config.REDIS_URL, "worker");
  const handle = start({
    db,
    queues,
    connection,
    prefix: config.BEKLIJF_REDIS_PREFIX,
    clock: base.clock,
    logger: base.logger,
    metrics: base.metrics,
  });
  base.cleanups.add(() => handle.stop());
  await serveHttp(base, {
    port: config.PORT,
    checks: infrastructureChecks(db, config.REDIS_URL),
  });
}

void main();
