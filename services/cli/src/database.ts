import path from "node:path";

import type { CliConfig } from "@beklijf/config";
import type { Logger } from "@beklijf/core";
import { applyMigrations, createDb, type PrismaClient } from "@beklijf/db";
import {
  embeddedPostgresUrl,
  isEmbeddedPostgresRunning,
  startEmbeddedPostgres,
} from "@beklijf/embedded";

export interface CliDatabase {
  readonly db: PrismaClient;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The database the CLI works on: DATABASE_URL; else the embedded Postgres that `npm start` runs
 * (or, when it is not running, the same embedded Postgres started for this command only).
 * Pending migrations are applied first, so every command works on a fresh clone.
 */
export async function openDatabase(
  config: CliConfig,
  logger: Logger,
): Promise<CliDatabase> {
  let url = config.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (url === undefined) {
    if (await isEmbeddedPostgresRunning()) url = embeddedPostgresUrl();
    else {
      const embedded = await startEmbeddedPostgres({
        dataDir: path.resolve(config.BEKLIJF_DATA_DIR),
        port: 54329,
        logger,
      });
      url = embedded.url;
      stopEmbedded = () => embedded.stop();
    }
  }
  await applyMigrations({ connectionString: url });
  const db = createDb(url, { poolSize: 2 });
  return {
    db,
    url,
    close: async () => {
      await db.$disconnect();
      if (stopEmbedded !== undefined) await stopEmbedded();
    },
  };
}
