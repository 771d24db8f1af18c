import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";

import {
  DEFAULT_TENANT_SLUG,
  ensureTenant,
  verifyConsolePassword,
} from "@beklijf/db";
import { runDatabaseUrl, testDb } from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf admin create`: the first console user, from a shell. Each CLI run starts Node and
// tsx afresh (seconds on a busy machine), hence the long timeouts.

const ROOT = path.resolve(__dirname, "../..");

/** The CLI with `input` on its standard input. */
async function runCliWithInput(
  args: string[],
  env: Record<string, string>,
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, "services/cli/bin/beklijf.js"), ...args],
    { cwd: ROOT, env: { PATH: process.env["PATH"] ?? "", ...env } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) =>
    child.once("exit", resolve),
  );
  return { code, stdout, stderr };
}

describe("npx beklijf admin create", () => {
  const db = testDb();
  const env = {
    DATABASE_URL: runDatabaseUrl(),
    BEKLIJF_PUBLIC_URL: "https://learn.example.test",
  };
  const signIn = async (email: string, password: string) =>
    verifyConsolePassword(db, {
      tenantId: (await ensureTenant(db, DEFAULT_TENANT_SLUG)).id,
      email,
      password,
    });

  afterAll(async () => {
    await db.$disconnect();
  });

  it("prints a one-time password that signs in, and stores only its argon2id hash", async () => {
    const email = `Admin-${randomUUID().slice(0, 8)}@Example.com`;
    const result = await runCli(["admin", "create", "--email", email], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as {
      email: string;
      role: string;
      password: string;
      console: string;
    };
    expect(printed.email).toBe(email.toLowerCase());
    expect(printed.role).toBe("admin");
    expect(printed.console).toBe("https://learn.example.test/console");
    expect((await signIn(email, printed.password))?.role).toBe("admin");
    const row = await db.consoleUser.findFirstOrThrow({
      where: { email: email.toLowerCase() },
    });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(printed.password);
  }, 120_000);

  it("reads the password from standard input with --password-stdin", async () => {
    const email = `editor-${randomUUID().slice(0, 8)}@example.com`;
    const result = await runCliWithInput(
      [
        "admin",
        "create",
        "--email",
        email,
        "--role",
        "editor",
        "--name",
        "Eddie",
        "--password-stdin",
      ],
      env,
      "a long enough password\n",
    );
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("a long enough password");
    expect((await signIn(email, "a long enough password"))?.name).toBe("Eddie");
  }, 120_000);

  it("refuses a short password, a bad role and a taken address (exit 2)", async () => {
    const email = `x-${randomUUID().slice(0, 8)}@example.com`;
    const short = await runCliWithInput(
      ["admin", "create", "--email", email, "--password-stdin"],
      env,
      "short\n",
    );
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least 12 characters");
    const role = await runCli(
      ["admin", "create", "--email", email, "--role", "boss"],
      env,
    );
    expect(role.code).toBe(2);
    expect(role.stderr).toContain("admin, editor or viewer");
    expect(
      (await runCli(["admin", "create", "--email", email], env)).code,
    ).toBe(0);
    const again = await runCli(["admin", "create", "--email", email], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already exists");
  }, 120_000);
});
