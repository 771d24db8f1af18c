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
  return (await loadRuleCatalog(db, tenantId)).active;
}

export interface RuleCatalog {
  /** The enabled rules at their current version, ready for the planner (by key). */
  readonly active: RuleRef[];
  /** Every stored version of every rule (running plans may use old ones), parsed. */
  readonly versions: Rule[];
}

/** A tenant's rules in one query: the active ones, and all versions (for stop conditions). */
export async function loadRuleCatalog(
  db: DbClient,
  tenantId: string,
): Promise<RuleCatalog> {
  const rules = await db.rule.findMany({
    where: { ruleSet: { tenantId } },
    include: {
      versions: { select: { id: true, definition: true, version: true } },
    },
    orderBy: { key: "asc" },
  });
  const active: RuleRef[] = [];
  const versions: Rule[] = [];
  for (const row of rules) {
    for (const stored of row.versions) {
      const rule = parseRuleVersion(stored.id, stored.definition);
      if (rule === undefined) continue;
      versions.push(rule);
      if (row.enabled && stored.version === row.currentVersion)
        active.push({ ruleId: row.id, ruleVersionId: stored.id, rule });
    }
  }
  return { active, versions };
}

/** Parsed rule versions by id: a version row never changes, so its parse never goes stale. */
const parsedVersions = new Map<string, Rule | null>();
const PARSED_VERSIONS_KEPT = 5_000;

/**
 * A stored rule version's definition, parsed (stored definitions were validated on the way in;
 * parsing again guards against hand edits, which give undefined). Remembered by version id.
 */
export function parseRuleVersion(
  ruleVersionId: string,
  definition: unknown,
): Rule | undefined {
  const known = parsedVersions.get(ruleVersionId);
  if (known !== undefined) return known ?? undefined;
  const parsed = Rule.safeParse(definition);
  if (parsedVersions.size >= PARSED_VERSIONS_KEPT) parsedVersions.clear();
  parsedVersions.set(ruleVersionId, parsed.success ? parsed.data : null);
  return parsed.success ? parsed.data : undefined;
}

/** A validated rule as JSON for its version row (a plain-data round trip drops undefined fields). */
function toJson(rule: Rule): Prisma.InputJsonObject {
  return JSON.parse(JSON.stringify(rule)) as Prisma.InputJsonObject;
}
