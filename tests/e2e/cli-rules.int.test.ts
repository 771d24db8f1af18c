import { randomBytes } from "node:crypto";

import { ensureTenant, syncRuleSet } from "@beklijf/db";
import {
  anAfterCompletionRule,
  runDatabaseUrl,
  testDb,
} from "@beklijf/testing";

import { runCli } from "./run-beklijf";

// `npx beklijf rules migrate`: what L&D runs from a shell after editing a rule.

describe("npx beklijf rules migrate", () => {
  const db = testDb();
  const env = { DATABASE_URL: runDatabaseUrl() };
  const key = `cli-migrate-${randomBytes(3).toString("hex")}`;

  afterAll(async () => {
    await db.$disconnect();
  });

  // Disabled: the default tenant is shared with other tests, and this rule must plan nothing there.
  it("prints the dry run's report as JSON", async () => {
    const tenant = await ensureTenant(db);
    const ruleSet = { key: `${key}-set`, name: "CLI migrate test" };
    await syncRuleSet(db, {
      tenantId: tenant.id,
      ...ruleSet,
      rules: [anAfterCompletionRule({ key, enabled: false })],
    });
    await syncRuleSet(db, {
      tenantId: tenant.id,
      ...ruleSet,
      rules: [anAfterCompletionRule({ key, enabled: false, name: "edited" })],
    });
    const result = await runCli(["rules", "migrate", key, "--dry-run"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      rule: key,
      toVersion: 2,
      dryRun: true,
      plans: 0,
      migrated: 0,
      fromVersions: [],
      steps: [],
      unreadable: 0,
    });
  });

  it("says which rule or version it does not know (exit 4) and refuses a bad --from (exit 2)", async () => {
    const unknown = await runCli(["rules", "migrate", `${key}-nope`], env);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain(`No rule ${key}-nope in this tenant.`);
    const bad = await runCli(["rules", "migrate", key, "--from", "one"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from must list version numbers");
  });
});
