import { runDatabaseUrl } from "@beklijf/testing";

import { createDb, sessionPool } from "./client";

// Every beklijf connection runs without JIT (see SESSION_SETUP): checked on several connections
// of a pool at once, against the run's PostgreSQL, whatever the server's own default is.
describe("session setup", () => {
  it("turns JIT off on every connection a Prisma client opens", async () => {
    const db = createDb(runDatabaseUrl(), { poolSize: 3 });
    try {
      // Three at once, each holding its connection a moment, so the pool opens three.
      const settings = await Promise.all(
        [1, 2, 3].map(
          () =>
            db.$queryRaw<{ jit: string; pid: number }[]>`
            SELECT s.setting || ' ' || s.source AS jit, pg_backend_pid() AS pid
              FROM pg_settings s, pg_sleep(0.05) WHERE s.name = 'jit'`,
        ),
      );
      const rows = settings.flat();
      expect(new Set(rows.map((row) => row.pid)).size).toBe(3);
      // Set by the session itself, whatever the server's default is.
      expect(rows.map((row) => row.jit)).toEqual([
        "off session",
        "off session",
        "off session",
      ]);
    } finally {
      await db.$disconnect();
    }
  });

  it("turns JIT off on a plain pool's connections (the statement writer's)", async () => {
    const pool = sessionPool({ connectionString: runDatabaseUrl(), max: 2 });
    try {
      const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
      try {
        for (const client of [a, b])
          expect(
            (
              await client.query<{ jit: string }>(
                "SELECT setting || ' ' || source AS jit FROM pg_settings WHERE name = 'jit'",
              )
            ).rows[0]?.jit,
          ).toBe("off session");
      } finally {
        a.release();
        b.release();
      }
      // pool.query takes the callback form of connect.
      expect((await pool.query<{ jit: string }>("SHOW jit")).rows[0]?.jit).toBe(
        "off",
      );
    } finally {
      await pool.end();
    }
  });
});
