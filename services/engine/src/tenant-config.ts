import {
  getTenantAndPolicy,
  loadRuleCatalog,
  type PrismaClient,
  type TenantView,
} from "@beklijf/db";
import { type Policy, type RuleRef, verbsThatMatter } from "@beklijf/rules";

/** What the engine reads about a tenant on every statement and every fire, as one snapshot. */
export interface TenantConfig {
  readonly tenant: TenantView;
  readonly policy: Policy;
  /** The enabled rules at their current version (what new plans start with). */
  readonly rules: RuleRef[];
  /**
   * Verbs that can start a plan, and verbs that can stop one, over every stored rule version
   * (running plans keep old versions). A statement with another verb (voiding aside) changes
   * nothing; one whose verb stops nothing needs no look at the learner's active plans.
   */
  readonly verbs: ReturnType<typeof verbsThatMatter>;
}

export interface TenantConfigCache {
  /** The tenant's snapshot, at most `maxAgeMs` old; null when the tenant is gone. */
  get(tenantId: string): Promise<TenantConfig | null>;
}

interface Entry {
  readonly loadedAt: number;
  readonly value: Promise<TenantConfig | null>;
}

/**
 * Keeps each tenant's rules and policy in memory for `maxAgeMs` of real time, so the hot paths do
 * not read and parse them per statement. A rule or policy edited in the console or API is used
 * from at most `maxAgeMs` later (one load per tenant per period, shared by concurrent callers).
 * Rule versions are immutable, so plans already running are not affected by the age at all.
 */
export function tenantConfigCache(
  db: PrismaClient,
  options: { maxAgeMs: number },
): TenantConfigCache {
  const entries = new Map<string, Entry>();
  const load = async (tenantId: string): Promise<TenantConfig | null> => {
    const [found, catalog] = await Promise.all([
      getTenantAndPolicy(db, tenantId),
      loadRuleCatalog(db, tenantId),
    ]);
    if (found === null) return null;
    return {
      ...found,
      rules: catalog.active,
      verbs: verbsThatMatter(catalog.versions),
    };
  };
  return {
    get: (tenantId) => {
      const now = performance.now();
      const entry = entries.get(tenantId);
      if (entry !== undefined && now - entry.loadedAt < options.maxAgeMs)
        return entry.value;
      const value = load(tenantId);
      entries.set(tenantId, { loadedAt: now, value });
      // A failed load is not remembered: the next caller tries again.
      value.catch(() => {
        if (entries.get(tenantId)?.value === value) entries.delete(tenantId);
      });
      return value;
    },
  };
}
