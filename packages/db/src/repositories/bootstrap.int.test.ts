import { randomBytes } from "node:crypto";

import type { Rule } from "@beklijf/rules";
import { testDb } from "@beklijf/testing";

import type { PrismaClient } from "../client";
import { bootstrapTenant } from "./bootstrap";
import { saveRuleVersion } from "./console-queries";

const rule: Rule = {
  key: "after-completion",
  name: "After a completed course",
  enabled: true,
  trigger: { verbs: ["http://adlnet.gov/expapi/verbs/completed"] },
  steps: [
    {
      key: "commit",
      offset: "PT4H",
      recipient: "learner",
      template: "commit",
      why: "an if-then plan",
    },
  ],
};

describe("bootstrapTenant", () => {
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  describe("when several replicas start together on an empty database", () => {
    it("creates one tenant, one rule version and one first admin token, without errors", async () => {
      const slug = `t-${randomBytes(4).toString("hex")}`;
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          bootstrapTenant(db, {
            slug,
            pack: {
              key: "werkplekleren",
              name: "Werkplekleren",
              rules: [rule],
            },
          }),
        ),
      );
      expect(new Set(results.map((r) => r.tenant.id)).size).toBe(1);
      expect(
        results.filter((r) => r.firstAdminToken !== undefined),
      ).toHaveLength(1);
      expect(results.filter((r) => r.changedRules.length > 0)).toHaveLength(1);
      const tenantId = results[0]!.tenant.id;
      expect(await db.apiToken.count({ where: { tenantId } })).toBe(1);
      expect(
        await db.ruleVersion.count({
          where: { rule: { ruleSet: { tenantId } } },
        }),
      ).toBe(1);
    });
  });

  it("gives a changed rule a new version and leaves an unchanged one alone", async () => {
    const slug = `t-${randomBytes(4).toString("hex")}`;
    await bootstrapTenant(db, {
      slug,
      pack: { key: "p", name: "P", rules: [rule] },
    });
    const again = await bootstrapTenant(db, {
      slug,
      pack: { key: "p", name: "P", rules: [rule] },
    });
    expect(again.changedRules).toEqual([]);
    expect(again.firstAdminToken).toBeUndefined();
    const edited = await bootstrapTenant(db, {
      slug,
      pack: {
        key: "p",
        name: "P",
        rules: [{ ...rule, steps: [{ ...rule.steps[0]!, offset: "PT6H" }] }],
      },
    });
    expect(edited.changedRules).toEqual(["after-completion"]);
    const stored = await db.rule.findFirstOrThrow({
      where: { ruleSet: { tenantId: edited.tenant.id } },
      include: { versions: true },
    });
    expect(stored.currentVersion).toBe(2);
    expect(stored.versions.map((v) => v.version).sort()).toEqual([1, 2]);
  });

  describe("when L&D edited a rule in the console", () => {
    const pack = (rules: Rule[]) => ({ key: "p", name: "P", rules });
    const withOffset = (offset: string): Rule => ({
      ...rule,
      steps: [{ ...rule.steps[0]!, offset }],
    });
    const current = async (tenantId: string) => {
      const row = await db.rule.findFirstOrThrow({
        where: { ruleSet: { tenantId } },
        include: { versions: { orderBy: { version: "asc" } } },
      });
      const version = row.versions.find(
        (v) => v.version === row.currentVersion,
      )!;
      return {
        version: row.currentVersion,
        offset: (version.definition as unknown as Rule).steps[0]!.offset,
        sources: row.versions.map((v) => v.source),
      };
    };

    /** A tenant installed from the pack whose rule L&D then edited (version 2, offset PT8H). */
    const installedThenEdited = async () => {
      const slug = `t-${randomBytes(4).toString("hex")}`;
      const first = await bootstrapTenant(db, { slug, pack: pack([rule]) });
      const tenantId = first.tenant.id;
      const stored = await db.rule.findFirstOrThrow({
        where: { ruleSet: { tenantId } },
      });
      await saveRuleVersion(db, {
        tenantId,
        ruleId: stored.id,
        basedOn: 1,
        rule: withOffset("PT8H"),
      });
      return { slug, tenantId };
    };

    it("keeps the edit across restarts with the same pack", async () => {
      const { slug, tenantId } = await installedThenEdited();

      const restarted = await bootstrapTenant(db, { slug, pack: pack([rule]) });

      expect(restarted.changedRules).toEqual([]);
      expect(restarted.keptEditedRules).toEqual([]);
      expect(await current(tenantId)).toEqual({
        version: 2,
        offset: "PT8H",
        sources: ["pack", "edited"],
      });
    });

    it("keeps the edit and reports it when the pack's text changes", async () => {
      const { slug, tenantId } = await installedThenEdited();

      const upgraded = await bootstrapTenant(db, {
        slug,
        pack: pack([withOffset("PT6H")]),
      });

      expect(upgraded.changedRules).toEqual([]);
      expect(upgraded.keptEditedRules).toEqual(["after-completion"]);
      expect(await current(tenantId)).toMatchObject({
        version: 2,
        offset: "PT8H",
      });
    });

    it("takes a changed pack text again once the rule's current version is the pack's", async () => {
      const slug = `t-${randomBytes(4).toString("hex")}`;
      const first = await bootstrapTenant(db, { slug, pack: pack([rule]) });
      const tenantId = first.tenant.id;

      const upgraded = await bootstrapTenant(db, {
        slug,
        pack: pack([withOffset("PT6H")]),
      });

      expect(upgraded.changedRules).toEqual(["after-completion"]);
      expect(await current(tenantId)).toEqual({
        version: 2,
        offset: "PT6H",
        sources: ["pack", "pack"],
      });
    });
  });
});
