import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { aCompletedStatement, runDatabaseUrl, testDb } from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf people import` and `npx beklijf simulate`: what L&D and HR do from a shell.

describe("npx beklijf people import and simulate", () => {
  const db = testDb();
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-cli-people-"));
  const env = { DATABASE_URL: runDatabaseUrl() };
  const tag = path.basename(dir).slice(-6).toLowerCase();
  const write = (name: string, contents: string): string => {
    const target = path.join(dir, name);
    writeFileSync(target, contents);
    return target;
  };

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db.$disconnect();
  });

  it("imports good rows, reports bad ones on stdout as JSON with progress on stderr, and exits 2", async () => {
    const csv = write(
      "people.csv",
      [
        "email,name,externalId,manager,timeZone",
        `lead-${tag}@example.test,Lotte,L-${tag},,Europe/Amsterdam`,
        `eva-${tag}@example.test,Eva,E-${tag},L-${tag},Europe/Amsterdam`,
        `bad-${tag},Bad,B-${tag},,Europe/Nowhere`,
      ].join("\n"),
    );
    const result = await runCli(["people", "import", csv], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("3 rows read, 1 refused");
    // The second pass shows its progress too.
    expect(result.stderr).toContain(
      "managers and team leads: 2 of 2 rows linked",
    );
    const report = JSON.parse(result.stdout) as {
      rows: number;
      created: number;
      failed: number;
      issues: { row: number; column: string }[];
    };
    expect(report).toMatchObject({ rows: 3, created: 2, failed: 1 });
    expect(report.issues.map((i) => [i.row, i.column])).toEqual([
      [4, "email"],
      [4, "timeZone"],
    ]);
    const eva = await db.person.findFirstOrThrow({
      where: { externalId: `E-${tag}` },
      include: { manager: true },
    });
    expect(eva.manager?.externalId).toBe(`L-${tag}`);
  });

  it("simulates the default programme for a known person with a manager, writing nothing", async () => {
    const statement = write(
      "completion.json",
      JSON.stringify(
        aCompletedStatement({
          learner: { name: "Eva", email: `eva-${tag}@example.test` },
          timestamp: "2030-03-08T16:00:00Z", // a Friday, 17:00 in Amsterdam
        }),
      ),
    );
    const ownPlans = () =>
      db.plan.count({ where: { person: { externalId: `E-${tag}` } } });
    const plans = await ownPlans();
    const result = await runCli(
      [
        "simulate",
        "--statement",
        statement,
        "--rules",
        path.resolve(__dirname, "../../templates/werkplekleren/rules.json"),
      ],
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe(`Learner: eva-${tag}@example.test, Europe/Amsterdam`);
    // Friday 21:00 is outside the window: the commit moves to Monday 08:00.
    expect(result.stdout).toContain(
      "2030-03-11 08:00 Mon (Europe/Amsterdam)  learner",
    );
    // Who, as L&D reads it: the name and address from the directory, not the person id.
    expect(result.stdout).toContain(
      `learner Eva <eva-${tag}@example.test>  after-training/`,
    );
    expect(result.stdout).toContain(
      `manager Lotte <lead-${tag}@example.test>  after-training/manager-aftertalk  template manager-aftertalk`,
    );
    expect(result.stdout).not.toMatch(/<[0-9a-f-]{36}>/);
    expect(result.stdout).toContain(
      "after-training/team-agenda  template team-agenda  (dropped)",
    );
    expect(result.stdout).toContain("dropped: no team lead known");
    expect(result.stdout).toContain(
      "before-training: does not match: verb http://adlnet.gov/expapi/verbs/completed is not in trigger.verbs",
    );
    expect(plans).toBe(0);
    expect(await ownPlans()).toBe(0);
  });

  it("refuses a rule file that is not JSON, naming the line, the column and what to write", async () => {
    const statement = write(
      "any-completion.json",
      JSON.stringify(
        aCompletedStatement({
          learner: { name: "Eva", email: `eva-${tag}@example.test` },
        }),
      ),
    );
    const rules = write(
      "broken-rules.json",
      '{\n  "rules": [\n    { "key": "x" "name": "X" }\n  ]\n}\n',
    );
    const result = await runCli(
      ["simulate", "--statement", statement, "--rules", rules],
      env,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      [
        `${rules} is not valid JSON: line 3, column 18: "\\"" after a value: write "," before the next key, or "}" to close the object`,
        '  3 |     { "key": "x" "name": "X" }',
        `${" ".repeat(23)}^`,
      ].join("\n"),
    );
  });
});
