import { webSchema } from "@beklijf/config";
import {
  infrastructureChecks,
  loadConfigOrExit,
  openDatabase,
  openProcess,
  serveHttp,
} from "@beklijf/runtime";

import { start } from "./start";

// services/web on its own: learner pages and the admin API (the console comes with issue #6).

async function main(): Promise<void> {
  const config = loadConfigOrExit(webSchema, process.env);
  const base = openProcess("web", config);
  const db = await openDatabase(base, {
    url: config.DATABASE_URL,
    migrate: config.BEKLIJF_MIGRATE_ON_START,
  });
  const handle = start({
    db,
    clock: base.clock,
    logger: base.logger,
    secret: config.BEKLIJF_SECRET,
    publicUrl: config.BEKLIJF_PUBLIC_URL.replace(/\/+$/, ""),
  });
  base.cleanups.add(() => handle.stop());
  await serveHttp(base, {
    port: config.PORT,
    checks: infrastructureChecks(db),
    mount: (app) => app.use("/", handle.app),
  });
}

void main();
