import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  aCompletedStatement,
  aLearner,
  runDatabaseUrl,
  testDb,
} from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf`: JSON out where a script wants it, meaningful exit codes, nothing half-written.

describe("npx beklijf", () => {
  const db = testDb();
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-cli-"));
  const env = {
    DATABASE_URL: runDatabaseUrl(),
    BEKLIJF_PUBLIC_URL: "https://learn.example.test",
  };
  const name = `lms-${path.basename(dir).slice(-6)}`;
  const file = (contents: unknown): string => {
    const target = path.join(
      dir,
      `${Math.random().toString(36).slice(2)}.json`,
    );
    writeFileSync(
      target,
      typeof contents === "string" ? contents : JSON.stringify(contents),
    );
    return target;
  };

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.$disconnect();
  });

  it("explains its commands with --help and exits 0", async () => {
    const help = await runCli(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/connection/);
    expect(help.stdout).toMatch(/statement/);
  });

  it("exits 2 on an unknown command or a missing option", async () => {
    expect((await runCli(["frobnicate"], env)).code).toBe(2);
    expect((await runCli(["connection", "create"], env)).code).toBe(2);
  });

  it("exits 2 with a message naming the key when the environment is invalid", async () => {
    const result = await runCli(["connection", "list"], {
      ...env,
      DATABASE_URL: "mysql://nope",
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("DATABASE_URL");
  });

  it("creates a connection and prints endpoint, key and secret as JSON; a second with the same name is refused", async () => {
    const created = await runCli(["connection", "create", "--name", name], env);
    expect(created.code).toBe(0);
    const printed = JSON.parse(created.stdout) as {
      endpoint: string;
      key: string;
      secret: string;
    };
    expect(printed.endpoint).toBe("https://learn.example.test/xapi");
    expect(printed.key).toMatch(/^bk_/);
    expect(printed.secret.length).toBeGreaterThanOrEqual(32);
    const again = await runCli(["connection", "create", "--name", name], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`"${name}" already exists`);
  });

  it("stores statements from a file on a named connection, once", async () => {
    const statements = file([
      aCompletedStatement({ learner: aLearner() }),
      aCompletedStatement({ learner: aLearner() }),
    ]);
    const first = await runCli(
      ["statement", "send", statements, "--connection", name],
      env,
    );
    expect(first.code).toBe(0);
    const printed = JSON.parse(first.stdout) as {
      ids: string[];
      stored: number;
      duplicates: number;
    };
    expect(printed).toMatchObject({ stored: 2, duplicates: 0 });
    expect(
      await db.statement.count({ where: { id: { in: printed.ids } } }),
    ).toBe(2);
    const second = JSON.parse(
      (
        await runCli(
          ["statement", "send", statements, "--connection", name],
          env,
        )
      ).stdout,
    ) as { ids: string[]; stored: number; duplicates: number };
    expect(second).toMatchObject({
      ids: printed.ids,
      stored: 0,
      duplicates: 2,
    });
  });

  it("stores nothing from a file with one invalid statement, and says where", async () => {
    const learner = aLearner();
    const statements = file([
      aCompletedStatement({ learner }),
      { ...aCompletedStatement({ learner }), verb: { id: "completed" } },
    ]);
    const result = await runCli(
      ["statement", "send", statements, "--connection", name],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("1.verb.id: must be an IRI");
    expect(await db.person.count({ where: { email: learner.email } })).toBe(0);
    expect(
      await db.statement.count({
        where: { actorKey: `mbox:mailto:${learner.email}` },
      }),
    ).toBe(0);
  });

  it("refuses a file that is not JSON, and an unknown connection", async () => {
    const notJson = await runCli(
      ["statement", "send", file("{nope"), "--connection", name],
      env,
    );
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(
      'is not valid JSON: line 1, column 2: "n" where a key belongs: write the key in double quotes, e.g. "key"',
    );
    const unknown = await runCli(
      [
        "statement",
        "send",
        file(aCompletedStatement({ learner: aLearner() })),
        "--connection",
        "no-such-lms",
      ],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No connection named "no-such-lms"');
  });
});
