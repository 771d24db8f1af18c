import pg from "pg";

import { ADMIN_DATABASE_URL } from "./env";

export default async function globalTeardown(): Promise<void> {
  const database = process.env["BEKLIJF_TEST_RUN_DATABASE_NAME"];
  if (
    database === undefined ||
    process.env["BEKLIJF_TEST_KEEP_DATABASE"] === "1"
  )
    return;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
