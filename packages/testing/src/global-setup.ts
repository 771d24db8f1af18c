import { randomBytes } from "node:crypto";

// The migrate entry point, not the package index: global setup runs outside jest's module
// mapping, where the generated Prisma client's ".js" imports would not resolve.
import { applyMigrations } from "@beklijf/db/migrate";
import { pingRedis } from "@beklijf/queue";
import pg from "pg";

import {
  ADMIN_DATABASE_URL,
  databaseUrlFor,
  RUN_DATABASE_ENV,
  TEST_REDIS_URL,
} from "./env";

/**
 * Once per jest run: a fresh database `beklijf_test_<random>`, migrated, whose URL the test files
 * read from the environment. Isolation inside the run comes from fresh ids (a tenant per test).
 */
export default async function globalSetup(): Promise<void> {
  const admin = new pg.Client({
    connectionString: ADMIN_DATABASE_URL,
    connectionTimeoutMillis: 3_000,
  });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The tests need PostgreSQL at ${ADMIN_DATABASE_URL.replace(/\/\/[^@]*@/, "//***@")} (set BEKLIJF_TEST_ADMIN_DATABASE_URL to use another). ` +
        `On Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
      { cause: error },
    );
  }
  const database = `beklijf_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
    // Drop leftovers of runs that were killed before their teardown (older than a day).
    const stale = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'beklijf_test_%' AND datname <> $1",
      [database],
    );
    for (const row of stale.rows) {
      const created = parseInt(row.datname.split("_")[2] ?? "", 36);
      if (Number.isFinite(created) && Date.now() - created > 24 * 3600 * 1000)
        await admin.query(
          `DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`,
        );
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrlFor(ADMIN_DATABASE_URL, database);
  await applyMigrations({ connectionString: url });
  process.env[RUN_DATABASE_ENV] = url;
  process.env["BEKLIJF_TEST_RUN_DATABASE_NAME"] = database;

  if (!(await pingRedis(TEST_REDIS_URL, 2_000))) {
    throw new Error(
      `The tests need Redis at ${TEST_REDIS_URL} (set BEKLIJF_TEST_REDIS_URL to use another). ` +
        `Start one with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`,
    );
  }
}
