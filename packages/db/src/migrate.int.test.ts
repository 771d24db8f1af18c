// Runs the migration runner against a real PostgreSQL: its own throwaway database, dropped at the end.
import { randomBytes } from "node:crypto";
import {
  appendFile,
  cp,
  mkdir,
  mkdtemp,
  rm,
  writeFile,
} from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import pg from "pg";

import {
  applyMigrations,
  listMigrations,
  MigrationError,
  MIGRATIONS_DIR,
} from "./migrate";

const ADMIN_URL =
  process.env["BEKLIJF_TEST_ADMIN_DATABASE_URL"] ??
  "postgresql://postgres@127.0.0.1:5432/postgres";
const DATABASE = `beklijf_mig_test_${randomBytes(5).toString("hex")}`;

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const url = databaseUrl(DATABASE);

beforeAll(async () => {
  await withClient(ADMIN_URL, (admin) =>
    admin.query(`CREATE DATABASE ${pg.escapeIdentifier(DATABASE)}`),
  );
});

afterAll(async () => {
  await withClient(ADMIN_URL, (admin) =>
    admin.query(
      `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(DATABASE)} WITH (FORCE)`,
    ),
  );
});

describe("applyMigrations", () => {
  describe("on an empty database", () => {
    let first: Awaited<ReturnType<typeof applyMigrations>>;
    let second: Awaited<ReturnType<typeof applyMigrations>>;

    beforeAll(async () => {
      first = await applyMigrations({ connectionString: url });
      second = await applyMigrations({ connectionString: url });
    });

    it("applies every migration on the first run", async () => {
      const names = (await listMigrations()).map((m) => m.name);
      expect(names).toContain("20261123000000_init");
      expect(first).toEqual({ applied: names, alreadyApplied: 0 });
    });

    it("applies nothing on the second run", async () => {
      const count = (await listMigrations()).length;
      expect(second).toEqual({ applied: [], alreadyApplied: count });
    });

    it("records each migration in _prisma_migrations as Prisma would", async () => {
      const migrations = await listMigrations();
      const { rows } = await withClient(url, (client) =>
        client.query<{
          id: string;
          checksum: string;
          migration_name: string;
          started_at: Date;
          finished_at: Date | null;
          rolled_back_at: Date | null;
          logs: string | null;
          applied_steps_count: number;
        }>("SELECT * FROM _prisma_migrations ORDER BY started_at"),
      );
      expect(rows.map((r) => r.migration_name)).toEqual(
        migrations.map((m) => m.name),
      );
      rows.forEach((row, i) => {
        expect(row.id).toMatch(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        expect(row.checksum).toBe(migrations[i]?.checksum);
        expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(row.finished_at).toBeInstanceOf(Date);
        expect(row.finished_at?.getTime()).toBeGreaterThanOrEqual(
          row.started_at.getTime(),
        );
        expect(row.rolled_back_at).toBeNull();
        expect(row.logs).toBeNull();
        expect(row.applied_steps_count).toBe(1);
      });
    });

    it("creates the migrations table with Prisma's columns", async () => {
      const { rows } = await withClient(url, (client) =>
        client.query<{
          column_name: string;
          data_type: string;
          is_nullable: string;
        }>(
          `SELECT column_name, data_type, is_nullable FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
        ),
      );
      expect(
        rows.map((r) => `${r.column_name} ${r.data_type} ${r.is_nullable}`),
      ).toEqual([
        "id character varying NO",
        "checksum character varying NO",
        "finished_at timestamp with time zone YES",
        "migration_name character varying NO",
        "logs text YES",
        "rolled_back_at timestamp with time zone YES",
        "started_at timestamp with time zone NO",
        "applied_steps_count integer NO",
      ]);
    });

    it("creates the key tables", async () => {
      const { rows } = await withClient(url, (client) =>
        client.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
        ),
      );
      const tables = rows.map((r) => r.table_name);
      for (const table of [
        "tenants",
        "people",
        "statements",
        "plans",
        "planned_nudges",
        "deliveries",
        "outbox_events",
      ]) {
        expect(tables).toContain(table);
      }
    });
  });

  describe("when an applied migration's file was edited afterwards", () => {
    let tamperedDir: string;

    beforeAll(async () => {
      await applyMigrations({ connectionString: url, schema: "tampered" });
      tamperedDir = await mkdtemp(
        path.join(os.tmpdir(), "beklijf-migrations-"),
      );
      await cp(MIGRATIONS_DIR, tamperedDir, { recursive: true });
      await appendFile(
        path.join(tamperedDir, "20261123000000_init", "migration.sql"),
        "\n-- edited later\n",
      );
    });

    afterAll(async () => {
      await rm(tamperedDir, { recursive: true, force: true });
    });

    it("refuses and names the migration", async () => {
      const run = applyMigrations({
        connectionString: url,
        schema: "tampered",
        migrationsDir: tamperedDir,
      });
      await expect(run).rejects.toThrow(
        /20261123000000_init was modified after it was applied/,
      );
      await expect(run).rejects.toMatchObject({
        kind: "checksum-mismatch",
        migrationName: "20261123000000_init",
      });
    });

    it("still accepts the file with Windows line endings", async () => {
      const crlfDir = await mkdtemp(
        path.join(os.tmpdir(), "beklijf-migrations-"),
      );
      try {
        for (const migration of await listMigrations()) {
          await mkdir(path.join(crlfDir, migration.name));
          await writeFile(
            path.join(crlfDir, migration.name, "migration.sql"),
            migration.script.replaceAll("\n", "\r\n"),
          );
        }
        await expect(
          applyMigrations({
            connectionString: url,
            schema: "tampered",
            migrationsDir: crlfDir,
          }),
        ).resolves.toMatchObject({
          applied: [],
        });
      } finally {
        await rm(crlfDir, { recursive: true, force: true });
      }
    });
  });

  describe("when a migration is recorded as failed", () => {
    beforeAll(async () => {
      await applyMigrations({ connectionString: url, schema: "failed" });
      await withClient(url, (client) =>
        client.query(
          "UPDATE failed._prisma_migrations SET finished_at = NULL, logs = 'boom' WHERE migration_name = '20261123000000_init'",
        ),
      );
    });

    it("refuses and names the migration", async () => {
      const run = applyMigrations({ connectionString: url, schema: "failed" });
      await expect(run).rejects.toBeInstanceOf(MigrationError);
      await expect(run).rejects.toThrow(
        /20261123000000_init .* is recorded as failed[\s\S]*boom/,
      );
    });
  });

  describe("when the schema has tables but no migration history", () => {
    beforeAll(async () => {
      await withClient(url, async (client) => {
        await client.query("CREATE SCHEMA pushed");
        await client.query(
          'CREATE TABLE pushed."tenants" (id uuid PRIMARY KEY)',
        );
      });
    });

    it("refuses, as Prisma does", async () => {
      await expect(
        applyMigrations({ connectionString: url, schema: "pushed" }),
      ).rejects.toMatchObject({
        kind: "schema-not-empty",
      });
    });
  });

  describe("when another migrator holds the lock for too long", () => {
    it("gives up with a lock-timeout error", async () => {
      await withClient(url, async (holder) => {
        await holder.query("SELECT pg_advisory_lock(72707369)");
        await expect(
          applyMigrations({ connectionString: url, lockTimeoutMs: 200 }),
        ).rejects.toMatchObject({ kind: "lock-timeout" });
      });
    });
  });

  describe("when two processes start at once", () => {
    it("applies each migration once", async () => {
      const results = await Promise.all([
        applyMigrations({ connectionString: url, schema: "race" }),
        applyMigrations({ connectionString: url, schema: "race" }),
      ]);
      const count = (await listMigrations()).length;
      expect(results.map((r) => r.applied.length).sort()).toEqual([0, count]);
      const { rows } = await withClient(url, (client) =>
        client.query<{ n: string }>(
          "SELECT count(*) AS n FROM race._prisma_migrations",
        ),
      );
      expect(Number(rows[0]?.n)).toBe(count);
    });
  });
});
