import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { verifySecret } from "@beklijf/core";
import { recordRejection } from "@beklijf/db";
import {
  aCompletedStatement,
  aLearner,
  runDatabaseUrl,
  testDb,
} from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf connection disable|enable|rotate|health`: what an LMS admin does from a shell.

describe("npx beklijf connection", () => {
  const db = testDb();
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-cli-conn-"));
  const env = {
    DATABASE_URL: runDatabaseUrl(),
    BEKLIJF_PUBLIC_URL: "https://learn.example.test",
  };
  const name = `lms-${path.basename(dir).slice(-6)}`;
  let key: string;
  let secret: string;

  const row = () => db.connection.findUniqueOrThrow({ where: { key } });
  const json = (stdout: string): unknown => JSON.parse(stdout);

  beforeAll(async () => {
    const created = await runCli(
      ["connection", "create", "--name", name, "--rate-limit", "120"],
      env,
    );
    expect(created.code).toBe(0);
    ({ key, secret } = json(created.stdout) as { key: string; secret: string });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.$disconnect();
  });

  it("creates a connection with the rate limit given, or none", async () => {
    expect((await row()).rateLimitPerMinute).toBe(120);
    const unlimited = `${name}-unlimited`;
    const result = await runCli(
      ["connection", "create", "--name", unlimited, "--rate-limit", "none"],
      env,
    );
    expect(result.code).toBe(0);
    const { key: unlimitedKey } = json(result.stdout) as { key: string };
    expect(
      (await db.connection.findUniqueOrThrow({ where: { key: unlimitedKey } }))
        .rateLimitPerMinute,
    ).toBeNull();
    const bad = await runCli(
      ["connection", "create", "--name", `${name}-bad`, "--rate-limit", "0"],
      env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--rate-limit");
  });

  it("disables and enables a connection", async () => {
    const disabled = await runCli(
      ["connection", "disable", "--name", name],
      env,
    );
    expect(disabled.code).toBe(0);
    expect(json(disabled.stdout)).toEqual({ name, key, enabled: false });
    expect((await row()).enabled).toBe(false);
    const enabled = await runCli(["connection", "enable", "--name", name], env);
    expect(enabled.code).toBe(0);
    expect(json(enabled.stdout)).toMatchObject({ enabled: true });
    expect((await row()).enabled).toBe(true);
  });

  it("rotates the secret: prints { key, secret }, and only the new one matches", async () => {
    const result = await runCli(["connection", "rotate", "--name", name], env);
    expect(result.code).toBe(0);
    const printed = json(result.stdout) as { key: string; secret: string };
    expect(printed.key).toBe(key);
    expect(printed.secret).not.toBe(secret);
    const { secretHash } = await row();
    expect(await verifySecret(printed.secret, secretHash)).toBe(true);
    expect(await verifySecret(secret, secretHash)).toBe(false);
  });

  it("prints health: counts, last received and the last rejections", async () => {
    const statements = path.join(dir, "statements.json");
    writeFileSync(
      statements,
      JSON.stringify([aCompletedStatement({ learner: aLearner() })]),
    );
    expect(
      (
        await runCli(
          ["statement", "send", statements, "--connection", name],
          env,
        )
      ).code,
    ).toBe(0);
    await recordRejection(db, {
      connectionId: (await row()).id,
      at: new Date(),
      status: 400,
      code: "STATEMENT_INVALID",
      reason: "verb.id: must be an IRI",
      path: ["verb", "id"],
      statement: { verb: { id: "completed" } },
    });
    const result = await runCli(["connection", "health", "--name", name], env);
    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({
      name,
      key,
      enabled: true,
      rateLimitPerMinute: 120,
      acceptedCount: 1,
      rejectedCount: 1,
      lastReceivedAt: null,
      rejections: [
        {
          status: 400,
          code: "STATEMENT_INVALID",
          reason: "verb.id: must be an IRI",
          path: ["verb", "id"],
          statement: { verb: { id: "completed" } },
        },
      ],
    });
  });

  it("exits 4 for a connection that does not exist", async () => {
    for (const command of ["disable", "enable", "rotate", "health"]) {
      const result = await runCli(
        ["connection", command, "--name", "no-such-lms"],
        env,
      );
      expect(result.code).toBe(4);
      expect(result.stderr).toContain('No connection named "no-such-lms"');
    }
  });
});
