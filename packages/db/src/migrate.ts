// Applies the committed Prisma migrations with node-postgres. Prisma's own `migrate deploy` needs the
// native schema engine, which cannot be downloaded on every machine beklijf runs on, so we do the
// same job here and write the same bookkeeping: a database migrated by this runner can later be
// handed to `prisma migrate deploy|status` and the other way round.
// See docs/decisions/0002-migrations-without-the-native-schema-engine.md.
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import { BeklijfError, errorMessage } from "@beklijf/core";
import pg from "pg";

/** Absolute path of the committed migrations folder, `packages/db/prisma/migrations`, from any cwd. */
export const MIGRATIONS_DIR = path.resolve(
  __dirname,
  "..",
  "prisma",
  "migrations",
);

/** Prisma's bookkeeping table; its name and DDL must stay Prisma's so Prisma can read our history. */
export const MIGRATIONS_TABLE = "_prisma_migrations";

// Copied from Prisma's schema engine (sql-schema-connector, postgres flavour, create_migrations_table).
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);
`;

// The advisory lock key Prisma Migrate takes ("a unique number we chose to identify Migrate").
// Using the same key means our runner, a second instance of it and `prisma migrate deploy` all
// exclude each other.
const ADVISORY_LOCK_KEY = 72707369;

// Tables Prisma ignores when it decides whether a database without history is empty (PostGIS).
const IGNORED_TABLES = new Set(["spatial_ref_sys"]);

/** One migration folder as found on disk. */
export interface MigrationFile {
  /** The folder name, e.g. `20261123000000_init`; this is `migration_name` in `_prisma_migrations`. */
  readonly name: string;
  /** Absolute path of its `migration.sql`. */
  readonly sqlPath: string;
  /** The file's content, exactly as read. */
  readonly script: string;
  /** Lower-case hex sha256 of the file's bytes, as Prisma computes it. */
  readonly checksum: string;
}

/** Why {@link applyMigrations} refused or stopped. */
export type MigrationErrorKind =
  | "checksum-mismatch"
  | "failed-migration"
  | "migration-failed"
  | "schema-not-empty"
  | "lock-timeout"
  | "missing-script";

/** A migration run that refused to start or stopped; `migrationName` names the culprit when there is one. */
export class MigrationError extends BeklijfError {
  readonly code = "MIGRATION_FAILED";
  readonly kind: MigrationErrorKind;
  readonly migrationName: string | undefined;
  constructor(
    kind: MigrationErrorKind,
    migrationName: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.kind = kind;
    this.migrationName = migrationName;
  }
}

/** Options for {@link applyMigrations}. */
export interface ApplyMigrationsOptions {
  /** A node-postgres connection string for the database to migrate. */
  readonly connectionString: string;
  /** Folder of `<name>/migration.sql` folders; defaults to {@link MIGRATIONS_DIR}. */
  readonly migrationsDir?: string;
  /**
   * Postgres schema to migrate (created if missing and put first on the search path), as Prisma does
   * with `?schema=` in its URL. Defaults to the connection's own search path, normally `public`.
   */
  readonly schema?: string;
  /** How long to wait for another migrator to finish before giving up; default 60 s. */
  readonly lockTimeoutMs?: number;
  /** Receives one line per step, for the startup log. */
  readonly log?: (msg: string) => void;
}

/** What {@link applyMigrations} did. */
export interface ApplyMigrationsResult {
  /** Names of the migrations applied by this call, in order. */
  readonly applied: string[];
  /** How many migrations on disk were already applied before this call. */
  readonly alreadyApplied: number;
}

/**
 * Lists the migrations in `migrationsDir` in the order Prisma applies them (by folder name, which
 * starts with a UTC timestamp), with their scripts and checksums.
 *
 * @throws MigrationError (`missing-script`) when a folder has no `migration.sql`.
 */
export async function listMigrations(
  migrationsDir: string = MIGRATIONS_DIR,
): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  // Byte order, not localeCompare: the engine sorts Rust strings, and the order must not depend on
  // the machine's locale.
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const sqlPath = path.join(migrationsDir, name, "migration.sql");
    let script: string;
    try {
      script = await readFile(sqlPath, "utf8");
    } catch (error: unknown) {
      throw new MigrationError(
        "missing-script",
        name,
        `Migration ${name} has no readable migration.sql at ${sqlPath}.`,
        {
          cause: error,
        },
      );
    }
    migrations.push({ name, sqlPath, script, checksum: checksumOf(script) });
  }
  return migrations;
}

/**
 * Applies every migration in `migrationsDir` that the database has not applied yet, each in its own
 * transaction, and records it in `_prisma_migrations` exactly as `prisma migrate deploy` would.
 *
 * It holds Prisma Migrate's advisory lock for the whole run, so processes that start together
 * apply each migration once. It refuses to start when an applied migration's file has changed, when
 * a migration is recorded as failed, or when the database has tables but no migration history.
 *
 * @throws MigrationError naming the migration (and with the database error as `cause`).
 */
export async function applyMigrations(
  options: ApplyMigrationsOptions,
): Promise<ApplyMigrationsResult> {
  const log = options.log ?? (() => undefined);
  // Read the files before connecting: a broken checkout should fail without touching the database.
  const migrations = await listMigrations(
    options.migrationsDir ?? MIGRATIONS_DIR,
  );

  const client = new pg.Client({ connectionString: options.connectionString });
  await client.connect();
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 60_000);
    if (options.schema !== undefined) {
      const schema = pg.escapeIdentifier(options.schema);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.query(`SET search_path TO ${schema}`);
    }
    await ensureMigrationsTable(client, log);

    const records = await readHistory(client);
    refuseFailedMigrations(records);
    const appliedByName = new Map(
      records
        .filter((r) => r.rolledBackAt === null)
        .map((r) => [r.migrationName, r]),
    );
    refuseEditedMigrations(migrations, appliedByName);

    const known = new Set(migrations.map((m) => m.name));
    for (const name of appliedByName.keys()) {
      if (!known.has(name))
        log(
          `migration ${name} is applied in the database but missing from ${options.migrationsDir ?? MIGRATIONS_DIR}`,
        );
    }

    const pending = migrations.filter((m) => !appliedByName.has(m.name));
    const applied: string[] = [];
    for (const migration of pending) {
      log(`applying migration ${migration.name}`);
      await applyOne(client, migration);
      applied.push(migration.name);
    }
    log(
      applied.length === 0
        ? "database schema is up to date"
        : `applied ${String(applied.length)} migration(s)`,
    );
    return { applied, alreadyApplied: migrations.length - pending.length };
  } finally {
    // Ending the session releases the advisory lock too; unlocking first just frees it sooner.
    await client
      .query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY])
      .catch(() => undefined);
    await client.end();
  }
}

/** sha256 of a migration script in lower-case hex, as Prisma stores it in `_prisma_migrations.checksum`. */
export function checksumOf(script: string): string {
  return createHash("sha256").update(script, "utf8").digest("hex");
}

/**
 * Whether a script still matches a recorded checksum, with Prisma's tolerance: line endings may
 * have been converted by git (CRLF/LF), and very old Prisma versions stored hex without zero padding.
 */
export function scriptMatchesChecksum(
  script: string,
  checksum: string,
): boolean {
  const variants = [
    script,
    script.replaceAll("\r\n", "\n"),
    script.replaceAll("\n", "\r\n"),
  ];
  return variants.some((variant) => {
    const digest = createHash("sha256").update(variant, "utf8").digest();
    const rendered =
      checksum.length !== 0 && checksum.length !== 64
        ? [...digest].map((byte) => byte.toString(16)).join("")
        : digest.toString("hex");
    return rendered === checksum;
  });
}

interface MigrationRecord {
  readonly id: string;
  readonly checksum: string;
  readonly migrationName: string;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
  readonly rolledBackAt: Date | null;
  readonly logs: string | null;
}

async function acquireLock(
  client: pg.Client,
  timeoutMs: number,
): Promise<void> {
  // Poll with pg_try_advisory_lock instead of waiting inside pg_advisory_lock: a waiting
  // statement keeps a transaction open, and CREATE INDEX CONCURRENTLY in the holder's migration
  // waits for every open transaction, so two starting replicas would deadlock.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1) AS locked",
      [ADVISORY_LOCK_KEY],
    );
    if (rows[0]?.locked === true) return;
    if (Date.now() >= deadline) {
      throw new MigrationError(
        "lock-timeout",
        undefined,
        `Waited ${String(timeoutMs)} ms for Prisma Migrate's advisory lock (${String(ADVISORY_LOCK_KEY)}); ` +
          `another migrator still holds it.`,
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(250, Math.max(10, deadline - Date.now()))),
    );
  }
}

async function ensureMigrationsTable(
  client: pg.Client,
  log: (msg: string) => void,
): Promise<void> {
  const { rows } = await client.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const tables = rows.map((row) => row.table_name);
  if (tables.includes(MIGRATIONS_TABLE)) return;

  // Prisma refuses this case (P3005): applying the first migration to a database someone built by
  // other means (db push, by hand) would fail half way or, worse, half succeed.
  const foreign = tables.filter((name) => !IGNORED_TABLES.has(name));
  if (foreign.length > 0) {
    throw new MigrationError(
      "schema-not-empty",
      undefined,
      `The database schema is not empty (${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", ..." : ""}) ` +
        `but has no ${MIGRATIONS_TABLE} table. Baseline it (prisma migrate resolve --applied <name>) or use an empty database.`,
    );
  }
  log(`creating ${MIGRATIONS_TABLE}`);
  await client.query(CREATE_MIGRATIONS_TABLE);
}

async function readHistory(client: pg.Client): Promise<MigrationRecord[]> {
  const { rows } = await client.query<{
    id: string;
    checksum: string;
    migration_name: string;
    started_at: Date;
    finished_at: Date | null;
    rolled_back_at: Date | null;
    logs: string | null;
  }>(
    `SELECT id, checksum, migration_name, started_at, finished_at, rolled_back_at, logs
     FROM ${MIGRATIONS_TABLE} ORDER BY started_at ASC`,
  );
  return rows.map((row) => ({
    id: row.id,
    checksum: row.checksum,
    migrationName: row.migration_name,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    rolledBackAt: row.rolled_back_at,
    logs: row.logs,
  }));
}

function refuseFailedMigrations(records: readonly MigrationRecord[]): void {
  // Prisma's rule (P3009): a started, unfinished, not rolled-back row means the database may hold
  // half a migration. Only a human can tell, so nothing runs until it is resolved.
  const failed = records.find(
    (r) => r.finishedAt === null && r.rolledBackAt === null,
  );
  if (failed === undefined) return;
  const logs = failed.logs?.trim() ? ` Its logs:\n${failed.logs.trim()}` : "";
  throw new MigrationError(
    "failed-migration",
    failed.migrationName,
    `Migration ${failed.migrationName} started at ${failed.startedAt.toISOString()} is recorded as failed ` +
      `(finished_at is null). Fix the database by hand, then mark it with ` +
      `\`prisma migrate resolve --rolled-back ${failed.migrationName}\` or \`--applied ${failed.migrationName}\`.${logs}`,
  );
}

function refuseEditedMigrations(
  migrations: readonly MigrationFile[],
  applied: ReadonlyMap<string, MigrationRecord>,
): void {
  // Prisma's deploy does not check this, but migrate dev/status do; we refuse early because an
  // edited migration means this database and a fresh one would end up with different schemas.
  for (const migration of migrations) {
    const record = applied.get(migration.name);
    if (
      record === undefined ||
      scriptMatchesChecksum(migration.script, record.checksum)
    )
      continue;
    throw new MigrationError(
      "checksum-mismatch",
      migration.name,
      `Migration ${migration.name} was modified after it was applied: ${migration.sqlPath} has checksum ` +
        `${migration.checksum}, the database recorded ${record.checksum}. Restore the file and put the change ` +
        `in a new migration.`,
    );
  }
}

async function applyOne(
  client: pg.Client,
  migration: MigrationFile,
): Promise<void> {
  const id = randomUUID();
  // Prisma stamps started_at and finished_at with the migrator's clock (UTC), not now() in the
  // database; inside one transaction now() would also give both the same value.
  const startedAt = new Date();

  if (mustRunOutsideTransaction(migration.script)) {
    await applyWithoutTransaction(client, migration, id, startedAt);
    return;
  }

  // Unlike Prisma, each migration runs in a transaction together with its bookkeeping row: a script
  // that fails leaves nothing behind, so it can simply be fixed and run again.
  await client.query("BEGIN");
  try {
    await client.query(
      `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, started_at, migration_name) VALUES ($1, $2, $3, $4)`,
      [id, migration.checksum, startedAt, migration.name],
    );
    await client.query(migration.script);
    await client.query(
      `UPDATE ${MIGRATIONS_TABLE} SET applied_steps_count = applied_steps_count + 1, finished_at = $2 WHERE id = $1`,
      [id, new Date()],
    );
    await client.query("COMMIT");
  } catch (error: unknown) {
    // The original error is what matters; a failing ROLLBACK means the connection is gone anyway.
    await client.query("ROLLBACK").catch(() => undefined);
    throw new MigrationError(
      "migration-failed",
      migration.name,
      `Migration ${migration.name} failed and was rolled back, nothing of it is applied: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/**
 * `CREATE INDEX CONCURRENTLY` and friends refuse to run in a transaction block. Our style puts such
 * an index in a migration of its own (one statement), which Postgres then runs outside a transaction.
 */
function mustRunOutsideTransaction(script: string): boolean {
  return /\bCONCURRENTLY\b/i.test(script);
}

async function applyWithoutTransaction(
  client: pg.Client,
  migration: MigrationFile,
  id: string,
  startedAt: Date,
): Promise<void> {
  // Exactly Prisma's sequence: record the start, run the script, then record success or the logs.
  // A failure here can leave partial state (an INVALID index), so it stays recorded as failed.
  await client.query(
    `INSERT INTO ${MIGRATIONS_TABLE} (id, checksum, started_at, migration_name) VALUES ($1, $2, $3, $4)`,
    [id, migration.checksum, startedAt, migration.name],
  );
  try {
    await client.query(migration.script);
  } catch (error: unknown) {
    await client.query(
      `UPDATE ${MIGRATIONS_TABLE} SET logs = $2 WHERE id = $1`,
      [id, errorMessage(error)],
    );
    throw new MigrationError(
      "migration-failed",
      migration.name,
      `Migration ${migration.name} (run outside a transaction because it uses CONCURRENTLY) failed and is ` +
        `recorded as failed; check the database, then resolve it: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  await client.query(
    `UPDATE ${MIGRATIONS_TABLE} SET applied_steps_count = applied_steps_count + 1, finished_at = $2 WHERE id = $1`,
    [id, new Date()],
  );
}
