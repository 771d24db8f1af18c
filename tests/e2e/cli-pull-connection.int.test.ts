import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { openLrsPassword } from "@beklijf/db";
import { type OwnTestDb, ownTestDb } from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf connection create --pull-from URL …`: a pull connection from a shell, with the
// LRS password read from a file and stored sealed under the deployment's secret.

describe("npx beklijf connection create --pull-from", () => {
  // Its own database: lrs workers of other test files must not pull this (made-up) LRS.
  let own: OwnTestDb;
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-cli-pull-"));
  const secret = "cli-pull-test-secret-0123456789abcdef";
  let env: Record<string, string>;
  const baseEnv = {
    BEKLIJF_SECRET: secret,
    BEKLIJF_PUBLIC_URL: "https://learn.example.test",
  };
  const passwordFile = path.join(dir, "lrs-password");
  const name = `lrs-${path.basename(dir).slice(-6)}`;

  beforeAll(async () => {
    own = await ownTestDb();
    env = { ...baseEnv, DATABASE_URL: own.url };
    writeFileSync(passwordFile, "s3cret pass\n");
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await own.drop();
  });

  it("creates a pull connection whose password only the deployment can read", async () => {
    const result = await runCli(
      [
        "connection",
        "create",
        "--name",
        name,
        "--pull-from",
        "https://lrs.example.test/xapi",
        "--lrs-user",
        "reader",
        "--lrs-password-file",
        passwordFile,
        "--pull-interval",
        "300",
        "--forward-answers",
      ],
      env,
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      name,
      mode: "pull",
      lrsEndpoint: "https://lrs.example.test/xapi",
      pullIntervalSeconds: 300,
      forwardAnswers: true,
    });
    expect(result.stdout).not.toContain("s3cret");
    const row = await own.db.connection.findFirstOrThrow({ where: { name } });
    expect(openLrsPassword(row.lrsPasswordSealed ?? "", [secret])).toBe(
      "s3cret pass",
    );

    const health = await runCli(["connection", "health", "--name", name], env);
    expect(JSON.parse(health.stdout)).toMatchObject({
      mode: "pull",
      pull: { consecutiveFailures: 0, lastError: null },
    });
  });

  it.each([
    [["--pull-from", "ftp://lrs.example.test"], "http or https"],
    [["--pull-from", "https://lrs.example.test/xapi"], "--lrs-user"],
    [["--lrs-user", "reader"], "need --pull-from"],
  ])("refuses %j with exit code 2", async (args, message) => {
    const result = await runCli(
      ["connection", "create", "--name", `${name}-bad`, ...args],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
