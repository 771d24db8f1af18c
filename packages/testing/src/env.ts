// Where the test run finds its real components. CI on this machine kind has PostgreSQL on
// 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379; override with these variables.

/** A database the test run may create throwaway databases from. */
export const ADMIN_DATABASE_URL =
  process.env["BEKLIJF_TEST_ADMIN_DATABASE_URL"] ??
  "postgresql://postgres@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL =
  process.env["BEKLIJF_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Set by the global setup: the migrated throwaway database of this run. */
export const RUN_DATABASE_ENV = "BEKLIJF_TEST_RUN_DATABASE_URL";

export function runDatabaseUrl(): string {
  const url = process.env[RUN_DATABASE_ENV];
  if (url === undefined)
    throw new Error(
      `${RUN_DATABASE_ENV} is not set: run tests through jest with the repository's jest.config.js (its globalSetup creates the database).`,
    );
  return url;
}

export function databaseUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
