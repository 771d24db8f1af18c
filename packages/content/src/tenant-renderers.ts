import { describeRenderError, type Renderer } from "@beklijf/render";

import {
  checkTemplateEdit,
  type ContentPack,
  type TemplateParts,
} from "./load-content-pack";

/** A tenant's saved version of a pack template in one locale (`parts: null`: the pack's text). */
export interface TemplateOverride {
  readonly tenantId: string;
  readonly template: string;
  readonly locale: string;
  readonly version: number;
  readonly parts: TemplateParts | null;
}

/** Where the saved versions come from (the database, in production: see @beklijf/db). */
export interface TemplateOverrideSource {
  /** A value that changes whenever a version is saved anywhere; cheap to ask often. */
  stamp(): Promise<string>;
  /** The newest version of every template of every tenant. */
  current(): Promise<readonly TemplateOverride[]>;
}

export interface TenantRenderers {
  /**
   * The renderer for a tenant: the pack's, with the tenant's saved versions in place of the pack's
   * text. Synchronous: it answers from what the last refresh loaded.
   */
  rendererFor(tenantId: string): Renderer;
  /**
   * Makes sure the last look at the source began at most `maxAgeMs` ago: resolves at once when it
   * did, else looks (asks the stamp and, when it changed, reloads). Concurrent callers share a
   * look. Rejects when the source fails.
   */
  fresh(maxAgeMs: number): Promise<void>;
}

/** A saved version that no longer passes checkTemplateEdit (e.g. the pack changed since). */
export interface OverrideProblem {
  readonly override: TemplateOverride;
  readonly message: string;
}

/**
 * The tenant-aware renderer the mailer sends with, kept like the engine's tenant config cache:
 * before a render, `fresh(maxAgeMs)` asks the source's stamp when the last look is older than
 * `maxAgeMs`, so a saved edit is used by every email rendered `maxAgeMs` after the save at the
 * latest, for one cheap query per period. When the stamp changed it loads the current versions and
 * rebuilds only the tenants whose set of versions changed: each saved version is checked once
 * (checkTemplateEdit, the rules of a save), and the tenant's renderer compiles its edited
 * templates once per change, on top of the pack's compiled renderer. A version that fails the
 * check (possible only when the pack changed under it) is skipped in favour of the pack's text and
 * reported through `onProblem`, once.
 */
export function createTenantRenderers(
  pack: Pick<ContentPack, "renderer" | "sources">,
  source: TemplateOverrideSource,
  options: { onProblem?: (problem: OverrideProblem) => void } = {},
): TenantRenderers {
  /** Tenant id -> its renderer and the versions it was built from. */
  let tenants = new Map<string, { key: string; renderer: Renderer }>();
  /** "tenant/template/locale@version" -> whether that version passed the check. */
  const checked = new Map<string, boolean>();
  let stamp: string | undefined;
  /** performance.now() when the last successful look began. */
  let lookedAt = -Infinity;
  let running: { startedAt: number; done: Promise<void> } | undefined;
  const usable = (o: TemplateOverride & { parts: TemplateParts }): boolean => {
    const id = `${o.tenantId}/${o.template}/${o.locale}@${o.version}`;
    const known = checked.get(id);
    if (known !== undefined) return known;
    const result = checkTemplateEdit(pack, o);
    checked.set(id, result.ok);
    if (!result.ok)
      options.onProblem?.({
        override: o,
        message: describeRenderError(result.error),
      });
    return result.ok;
  };

  const rebuild = (overrides: readonly TemplateOverride[]) => {
    const byTenant = new Map<string, TemplateOverride[]>();
    for (const o of overrides)
      byTenant.set(o.tenantId, [...(byTenant.get(o.tenantId) ?? []), o]);
    const next = new Map<string, { key: string; renderer: Renderer }>();
    for (const [tenantId, list] of byTenant) {
      const edits: (TemplateOverride & { parts: TemplateParts })[] = [];
      for (const o of list)
        if (o.parts !== null && usable({ ...o, parts: o.parts }))
          edits.push({ ...o, parts: o.parts });
      const key = edits
        .map((o) => `${o.template}/${o.locale}@${o.version}`)
        .sort()
        .join(",");
      const before = tenants.get(tenantId);
      if (before?.key === key) {
        next.set(tenantId, before);
        continue;
      }
      if (edits.length === 0) continue;
      const templates: Record<string, Record<string, TemplateParts>> = {};
      for (const o of edits)
        templates[o.locale] = { ...templates[o.locale], [o.template]: o.parts };
      const built = pack.renderer.withTemplates(templates);
      // Each edit compiled on its own above, so together they do too; the pack's text otherwise.
      if (built.ok) next.set(tenantId, { key, renderer: built.value });
    }
    tenants = next;
  };

  const look = (): Promise<void> => {
    const startedAt = performance.now();
    const done = (async () => {
      const now = await source.stamp();
      if (now !== stamp) {
        rebuild(await source.current());
        stamp = now;
      }
      lookedAt = Math.max(lookedAt, startedAt);
    })().finally(() => {
      if (running?.done === done) running = undefined;
    });
    running = { startedAt, done };
    return done;
  };

  const fresh = async (maxAgeMs: number): Promise<void> => {
    const since = performance.now() - maxAgeMs;
    if (lookedAt >= since) return;
    // A look already under way will do if it began late enough; else wait for it and look again.
    if (running !== undefined && running.startedAt >= since)
      return running.done;
    if (running !== undefined) {
      await running.done.catch(() => undefined);
      if (lookedAt >= since) return;
      return fresh(maxAgeMs);
    }
    return look();
  };

  return {
    rendererFor: (tenantId) => tenants.get(tenantId)?.renderer ?? pack.renderer,
    fresh,
  };
}
