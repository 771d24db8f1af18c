import { Rule, type RuleRef } from "@beklijf/rules";
import { canonicalJson } from "@beklijf/xapi";

import type { DbClient, Prisma, PrismaClient } from "../client";

/**
 * Brings a tenant's rule set in line with a content pack's rules: a new rule gets version 1, a
 * changed rule gets a new version that new plans start with. Plans already running keep the
 * version they started with (DESIGN: a rule change does not rewrite sequences in flight).
 * Rules missing from the pack are left alone. Returns the keys of rules that got a new version.
 */
export async function syncRuleSet(
  db: PrismaClient,
  input: {
    tenantId: string;
    key: string;
    name: string;
    rules: readonly Rule[];
  },
): Promise<string[]> {
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
): Promise<string[]> {
  const ruleSet = await tx.ruleSet.upsert({
    where: { tenantId_key: { tenantId: input.tenantId, key: input.key } },
    update: {},
    create: { tenantId: input.tenantId, key: input.key, name: input.name },
  });
  const changed: string[] = [];
  for (const rule of input.rules) {
    const existing = await tx.rule.findUnique({
      where: { ruleSetId_key: { ruleSetId: ruleSet.id, key: rule.key } },
      include: { versions: { orderBy: { version: "desc" }, take: 1 } },
    });
    const latest = existing?.versions[0];
    if (
      existing !== null &&
      latest !== undefined &&
      canonicalJson(latest.definition) === canonicalJson(rule)
    )
      continue;
    const version = (latest?.version ?? 0) + 1;
    const row =
      existing ??
      (await tx.rule.create({
        data: {
          ruleSetId: ruleSet.id,
          key: rule.key,
          enabled: rule.enabled,
          currentVersion: version,
        },
      }));
    await tx.ruleVersion.create({
      data: { ruleId: row.id, version, definition: toJson(rule) },
    });
    await tx.rule.update({
      where: { id: row.id },
      data: { currentVersion: version, enabled: rule.enabled },
    });
    changed.push(rule.key);
  }
  return changed;
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
