import {
  type PrismaClient,
  saveRuleVersion,
  setRuleEnabled,
  setTenantPolicy,
} from "@beklijf/db";
import { Policy } from "@beklijf/rules";
import {
  anAfterCompletionRule,
  aTenantWithRules,
  testDb,
} from "@beklijf/testing";
import { VERBS } from "@beklijf/xapi";

import { tenantConfigCache } from "./tenant-config";

// The engine's per-tenant snapshot of rules and policy, against real Postgres: how long an edit
// made in the console or API can stay unseen, and what the verb index keeps.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("tenantConfigCache", () => {
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  async function aTenantWithOneRule() {
    const tenantId = await aTenantWithRules(db, "config", [
      anAfterCompletionRule(),
    ]);
    const rule = await db.rule.findFirstOrThrow({
      where: { ruleSet: { tenantId } },
    });
    return { tenantId, ruleId: rule.id };
  }

  it("serves one snapshot for maxAgeMs and reads an edited rule and policy after it", async () => {
    const { tenantId, ruleId } = await aTenantWithOneRule();
    const cache = tenantConfigCache(db, { maxAgeMs: 400 });
    const before = await cache.get(tenantId);
    expect(before?.rules.map((ref) => ref.rule.steps[0]?.offset)).toEqual([
      "PT4H",
    ]);

    await saveRuleVersion(db, {
      tenantId,
      ruleId,
      basedOn: 1,
      rule: anAfterCompletionRule({
        trigger: { verbs: [VERBS.passed] },
      }),
    });
    await setTenantPolicy(
      db,
      tenantId,
      Policy.parse({ caps: { perDay: 3, perWeek: 9 } }),
    );
    // Within the age the snapshot stands (that is the saving); after it the edits are read.
    expect(await cache.get(tenantId)).toBe(before);
    await sleep(450);
    const after = await cache.get(tenantId);

    expect(after).not.toBe(before);
    expect(after?.rules).toHaveLength(1);
    expect(after?.rules[0]?.ruleVersionId).not.toBe(
      before?.rules[0]?.ruleVersionId,
    );
    expect(after?.rules[0]?.rule.trigger.verbs).toEqual([VERBS.passed]);
    expect(after?.policy.caps).toEqual({ perDay: 3, perWeek: 9 });
  });

  it("keeps the verbs of old versions and disabled rules, whose running plans can still stop", async () => {
    const { tenantId, ruleId } = await aTenantWithOneRule();
    await saveRuleVersion(db, {
      tenantId,
      ruleId,
      basedOn: 1,
      rule: anAfterCompletionRule({
        trigger: { verbs: [VERBS.passed] },
        stopWhen: { statements: [{ verbs: [VERBS.failed] }] },
      }),
    });
    await setRuleEnabled(db, tenantId, ruleId, false);

    const config = await tenantConfigCache(db, { maxAgeMs: 0 }).get(tenantId);

    expect(config?.rules).toEqual([]);
    expect(config?.verbs.start.has(VERBS.completed)).toBe(true);
    expect(config?.verbs.start.has(VERBS.passed)).toBe(true);
    expect(config?.verbs.start.has(VERBS.registered)).toBe(false);
    expect([...(config?.verbs.stop ?? [])]).toEqual([VERBS.failed]);
  });

  it("says null for a tenant that does not exist", async () => {
    const cache = tenantConfigCache(db, { maxAgeMs: 1_000 });
    expect(await cache.get("00000000-0000-4000-8000-000000000000")).toBeNull();
  });
});
