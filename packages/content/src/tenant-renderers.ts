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
  /** Asks the source's stamp and, when it changed, reloads; concurrent calls share one run. */
  refresh(): Promise<void>;
  /**
   * Resolves once the first refresh has succeeded; rejects after `timeoutMs` (default 10 000)
   * without one, so a job that waits on it fails and is retried instead of hanging.
   */
  ready(timeoutMs?: number): Promise<void>;
  /** Stops the polling. */
  stop(): void;
}

/** A saved version that no longer passes checkTemplateEdit (e.g. the pack changed since). */
export interface OverrideProblem {
  readonly override: TemplateOverride;
  readonly message: string;
}

/**
 * The tenant-aware renderer the mailer sends with. It polls `source.stamp()` every `refreshMs`
 * (default 500 ms), so a saved edit is used by emails rendered about half a second later at most.
 * When the stamp changed it loads the current versions and rebuilds only the tenants whose set of
 * versions changed: each saved version is checked once (checkTemplateEdit, the rules of a save),
 * and the tenant's renderer compiles its edited templates once per change on top of the pack's
 * compiled renderer. A version that fails the check (possible only when the pack changed under
 * it) is skipped in favour of the pack's text and reported through `onProblem`, once.
 */
export function createTenantRenderers(
  pack: Pick<ContentPack, "renderer" | "sources">,
  source: TemplateOverrideSource,
  options: {
    /** Between two looks at the stamp, in ms; default 500. 0: no polling (call refresh yourself). */
    refreshMs?: number;
    onProblem?: (problem: OverrideProblem) => void;
    /** A failed refresh (the database is down); the next poll tries again. */
    onError?: (error: unknown) => void;
  } = {},
): TenantRenderers {
  const refreshMs = options.refreshMs ?? 500;
  /** Tenant id -> its renderer and the versions it was built from. */
  let tenants = new Map<string, { key: string; renderer: Renderer }>();
  /** "tenant/template/locale@version" -> whether that version passed the check. */
  const checked = new Map<string, boolean>();
  let stamp: string | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let markReady: () => void = () => undefined;
  const loaded = new Promise<void>((resolve) => {
    markReady = resolve;
  });

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

  const refreshOnce = async () => {
    const now = await source.stamp();
    if (now !== stamp) {
      rebuild(await source.current());
      stamp = now;
    }
    markReady();
  };

  const refresh = (): Promise<void> => {
    running ??= refreshOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const poll = () => {
    if (stopped || refreshMs <= 0) return;
    refresh()
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (stopped) return;
        timer = setTimeout(poll, refreshMs);
        // Polling alone never keeps a process alive.
        timer.unref();
      });
  };
  poll();

  return {
    rendererFor: (tenantId) => tenants.get(tenantId)?.renderer ?? pack.renderer,
    refresh,
    ready: (timeoutMs = 10_000) => {
      let timeout: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timeout = setTimeout(() => {
          reject(
            new Error(
              `The tenants' saved templates could not be loaded within ${timeoutMs} ms.`,
            ),
          );
        }, timeoutMs);
        timeout.unref();
      });
      return Promise.race([loaded, late]).finally(() => {
        clearTimeout(timeout);
      });
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
