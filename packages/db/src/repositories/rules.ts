import { createHash } from "node:crypto";

import { Rule, type RuleRef } from "@beklijf/rules";
import { canonicalJson } from "@beklijf/xapi";

import type { DbClient, Prisma, PrismaClient } from "../client";

export interface RuleSyncResult {
  /** Rules installed or given a new version from the pack. */
  readonly changed: string[];
  /**
   * Rules whose pack text changed while their current version is an edit (console or API): the
   * edit stays, the pack's newer text is not applied. Reported so an operator can compare.
   */
  readonly keptEdited: string[];
}

/**
 * Brings a tenant's rule set in line with a content pack's rules: a new rule gets version 1; a
 * rule whose pack text changed since the last sync gets a new version that new plans start with,
 * unless its current version was edited by L&D (then the edit stays and it is reported in
 * `keptEdited`). A pack that did not change touches nothing, so edits survive restarts.
 * Plans already running keep the version they started with (DESIGN: a rule change does not
 * rewrite sequences in flight). Rules missing from the pack are left alone.
 */
export async function syncRuleSet(
  db: PrismaClient,
  input: {
    tenantId: string;
    key: string;
    name: string;
    rules: readonly Rule[];
  },
): Promise<RuleSyncResult> {
  return db.$transaction((tx) => syncRuleSetIn(tx, input));
}

/** syncRuleSet inside the caller's transaction. */
export async function syncRuleSetIn(
  tx: DbClient,
  input: {
    tenantId: string;
    key: string;
    name: string;
    rules: readonly Rule[];
  },
): Promise<RuleSyncResult> {
  const ruleSet = await tx.ruleSet.upsert({
    where: { tenantId_key: { tenantId: input.tenantId, key: input.key } },
    update: {},
    create: { tenantId: input.tenantId, key: input.key, name: input.name },
  });
  const changed: string[] = [];
  const keptEdited: string[] = [];
  for (const rule of input.rules) {
    const definition = toJson(rule);
    const text = canonicalJson(definition);
    const packHash = createHash("sha256").update(text).digest("hex");
    const existing = await tx.rule.findUnique({
      where: { ruleSetId_key: { ruleSetId: ruleSet.id, key: rule.key } },
      include: { versions: { orderBy: { version: "desc" } } },
    });
    if (existing === null) {
      const row = await tx.rule.create({
        data: {
          ruleSetId: ruleSet.id,
          key: rule.key,
          enabled: rule.enabled,
          currentVersion: 1,
          packHash,
        },
      });
      await tx.ruleVersion.create({
        data: { ruleId: row.id, version: 1, definition, source: "pack" },
      });
      changed.push(rule.key);
      continue;
    }
    // The pack did not change since the last sync: whatever L&D did since then stays.
    if (existing.packHash === packHash) continue;
    const current = existing.versions.find(
      (v) => v.version === existing.currentVersion,
    );
    if (current !== undefined && canonicalJson(current.definition) === text) {
      // Already the pack's text (e.g. synced before the hash was recorded): just remember it.
      await tx.rule.update({ where: { id: existing.id }, data: { packHash } });
      continue;
    }
    if (current !== undefined && current.source !== "pack") {
      keptEdited.push(rule.key);
      continue;
    }
    const version = (existing.versions[0]?.version ?? 0) + 1;
    await tx.ruleVersion.create({
      data: { ruleId: existing.id, version, definition, source: "pack" },
    });
    await tx.rule.update({
      where: { id: existing.id },
      data: { currentVersion: version, enabled: rule.enabled, packHash },
    });
    changed.push(rule.key);
  }
  return { changed, keptEdited };
}

/** The enabled rules of a tenant at their current version, ready for the planner. */
export async function loadActiveRules(
  db: DbClient,
  tenantId: string,
): Promise<RuleRef[]> {
  const rules = await db.rule.findMany({
    where: { enabled: true, ruleSet: { tenantId } },
    include: { versions: true },
    orderBy: { key: "asc" },
  });
  return rules.flatMap((row) => {
    const current = row.versions.find((v) => v.version === row.currentVersion);
    if (current === undefined) return [];
    // Stored definitions were validated on the way in; parsing again guards against hand edits.
    const parsed = Rule.safeParse(current.definition);
    return parsed.success
      ? [{ ruleId: row.id, ruleVersionId: current.id, rule: parsed.data }]
      : [];
  });
}

/** A validated rule as JSON for its version row (a plain-data round trip drops undefined fields). */
function toJson(rule: Rule): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(rule)) as Prisma.InputJsonObject;
}
