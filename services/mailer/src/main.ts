import path from "node:path";

import { mailerSchema } from "@beklijf/config";
import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import {
  infrastructureChecks,
  loadConfigOrExit,
  openProcess,
  openRedis,
  serveHttp,
} from "@beklijf/runtime";

import { openMailerDatabase } from "./database";
import { start } from "./start";
import { createSmtpTransport, smtpPoolSize } from "./transport";

// services/mailer on its own: renders and sends deliveries. Its BEKLIJF_SECRET must equal the web
// service's, which verifies the links it signs.

async function main(): Promise<void> {
  const config = loadConfigOrExit(mailerSchema, process.env);
  const base = openProcess("mailer", config);
  const db = await openMailerDatabase(base, {
    url: config.DATABASE_URL,
    migrate: config.BEKLIJF_MIGRATE_ON_START,
  });
  const pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
  // Twice the SMTP pool: while some jobs wait on the database, others keep every connection busy.
  const handle = start(
    {
      db,
      connection: openRedis(base, config.REDIS_URL, "worker"),
      prefix: config.BEKLIJF_REDIS_PREFIX,
      transport: createSmtpTransport(config.SMTP_URL),
      pack,
      clock: base.clock,
      logger: base.logger,
      metrics: base.metrics,
      publicUrl: config.BEKLIJF_PUBLIC_URL.replace(/\/+$/, ""),
      secret: config.BEKLIJF_SECRET,
      mailFrom: config.BEKLIJF_MAIL_FROM,
      linkTtlDays: config.BEKLIJF_LINK_TTL_DAYS,
    },
    { concurrency: 2 * smtpPoolSize(config.SMTP_URL) },
  );
  base.cleanups.add(() => handle.stop());
  await serveHttp(base, {
    port: config.PORT,
    checks: infrastructureChecks(db, config.REDIS_URL),
  });
}

void main();
