import { checkTemplateEdit, type ContentPack } from "@beklijf/content";
import { NotFoundError, ValidationError } from "@beklijf/core";
import {
  getCurrentTemplate,
  getTemplateVersion,
  listCurrentTemplates,
  saveTemplateVersion,
  type TemplateParts,
} from "@beklijf/db";
import {
  describeRenderError,
  type Renderer,
  type RenderError,
} from "@beklijf/render";

import type { MailPreviewPort, WebDeps } from "./deps";
import { parseBody } from "./http/request-parts";
import { TemplateEdit } from "./template-schemas";

// Tenants' edits of the pack's templates, for the console and /api/templates: what a template
// is now, a checked save, a revert, and the renderer that previews and test sends use.

export type PackWithSources = MailPreviewPort["pack"] &
  Pick<ContentPack, "sources">;

/** The pack of this process, with its sources; 404 when it has none. */
export function packWithSources(deps: Pick<WebDeps, "mail">): PackWithSources {
  const pack = deps.mail?.pack;
  if (pack?.sources === undefined)
    throw new NotFoundError(
      "This process has no content pack loaded, so there are no templates to show.",
      "CONTENT_UNAVAILABLE",
    );
  return { ...pack, sources: pack.sources };
}

/** The pack's locales, fallback first. */
export function packLocales(pack: PackWithSources): string[] {
  const { fallbackLocale, templates } = pack.sources;
  const all = Object.keys(templates).sort();
  return [fallbackLocale, ...all.filter((l) => l !== fallbackLocale)].filter(
    (l) => all.includes(l),
  );
}

/** 404 unless the pack has `template` in `locale`. */
export function assertPackTemplate(
  pack: PackWithSources,
  template: string,
  locale: string,
): void {
  if (pack.actions[template] === undefined)
    throw new NotFoundError(
      `The pack has no template "${template}".`,
      "TEMPLATE_NOT_FOUND",
    );
  if (pack.sources.templates[locale]?.[template] === undefined)
    throw new NotFoundError(
      `The pack has no locale "${locale}" (it has ${packLocales(pack).join(", ")}).`,
      "TEMPLATE_NOT_FOUND",
    );
}

/** A template in one locale as emails use it now: the tenant's newest version, or the pack's. */
export interface CurrentTemplate {
  readonly source: "saved" | "pack";
  /** 0: never saved. */
  readonly version: number;
  readonly parts: TemplateParts;
}

export async function currentTemplate(
  deps: Pick<WebDeps, "db">,
  pack: PackWithSources,
  key: { tenantId: string; template: string; locale: string },
): Promise<CurrentTemplate> {
  const saved = await getCurrentTemplate(deps.db, key);
  const packParts = pack.sources.templates[key.locale]?.[key.template] ?? {
    subject: "",
    html: "",
  };
  return saved?.parts == null
    ? { source: "pack", version: saved?.version ?? 0, parts: packParts }
    : { source: "saved", version: saved.version, parts: saved.parts };
}

/**
 * The pack's renderer with the tenant's saved versions in place (only `template`'s, when given),
 * plus `draft` (one locale's unsaved edit) on top: what previews and test sends render with.
 */
export async function tenantRenderer(
  deps: Pick<WebDeps, "db">,
  pack: PackWithSources,
  input: {
    tenantId: string;
    template?: string;
    draft?: { template: string; locale: string; parts: TemplateParts };
  },
): Promise<{ renderer: Renderer; problem?: RenderError }> {
  const saved = (await listCurrentTemplates(deps.db, input.tenantId)).filter(
    (v) => input.template === undefined || v.template === input.template,
  );
  let renderer = pack.renderer;
  for (const version of saved) {
    if (version.parts === null) continue;
    // Each saved version passed these checks when saved; one the pack no longer accepts is left
    // out, as the mailer leaves it out.
    const edited = checkTemplateEdit(
      { sources: pack.sources, renderer },
      { ...version, parts: version.parts },
    );
    if (edited.ok) renderer = edited.value;
  }
  if (input.draft === undefined) return { renderer };
  const drafted = checkTemplateEdit(
    { sources: pack.sources, renderer },
    input.draft,
  );
  return drafted.ok
    ? { renderer: drafted.value }
    : { renderer, problem: drafted.error };
}

/** A refused save: 400 TEMPLATE_INVALID naming template, locale, part and line. */
export function templateRefused(problem: RenderError): ValidationError {
  const issue =
    problem.kind === "unknown-template"
      ? { path: ["template"], message: describeRenderError(problem) }
      : {
          path: [problem.part],
          message:
            problem.line === undefined
              ? problem.message
              : `line ${problem.line}: ${problem.message}`,
        };
  return new ValidationError(
    `The template was not saved. ${describeRenderError(problem)}`,
    [issue],
    "TEMPLATE_INVALID",
  );
}

/**
 * Checks an edit with the rules of the pack (checkTemplateEdit) and stores it as the next version.
 * Throws templateRefused (nothing stored) or ConflictError when `basedOn` is not the newest.
 */
export async function saveTemplateEdit(
  deps: Pick<WebDeps, "db" | "clock">,
  pack: PackWithSources,
  input: {
    tenantId: string;
    template: string;
    locale: string;
    parts: TemplateParts;
    basedOn?: number;
    savedBy: string;
  },
): Promise<number> {
  assertPackTemplate(pack, input.template, input.locale);
  // The console's form fields get the bounds the API's body has.
  parseBody(
    TemplateEdit,
    input.parts,
    "The template was not saved.",
    "TEMPLATE_INVALID",
  );
  const checked = checkTemplateEdit(pack, input);
  if (!checked.ok) throw templateRefused(checked.error);
  return saveTemplateVersion(deps.db, { ...input, at: deps.clock.now() });
}

/**
 * Stores a new version with the text of version `revertTo` (0: the pack's built-in text). The
 * old text is checked again: a version the current pack no longer accepts is refused.
 */
export async function revertTemplate(
  deps: Pick<WebDeps, "db" | "clock">,
  pack: PackWithSources,
  input: {
    tenantId: string;
    template: string;
    locale: string;
    revertTo: number;
    basedOn?: number;
    savedBy: string;
  },
): Promise<number> {
  const { revertTo, ...key } = input;
  assertPackTemplate(pack, key.template, key.locale);
  const parts =
    revertTo === 0
      ? null
      : (
          await getTemplateVersion(deps.db, {
            tenantId: key.tenantId,
            template: key.template,
            locale: key.locale,
            version: revertTo,
          })
        ).parts;
  if (parts !== null) {
    const checked = checkTemplateEdit(pack, { ...key, parts });
    if (!checked.ok) throw templateRefused(checked.error);
  }
  return saveTemplateVersion(deps.db, {
    ...key,
    parts,
    revertOf: revertTo,
    at: deps.clock.now(),
  });
}

/**
 * What previews and test sends of `template` render with: the pack's actions and its renderer
 * with the tenant's saved versions in place (just the pack when this process has no sources).
 */
export async function previewPack(
  deps: Pick<WebDeps, "db">,
  mail: MailPreviewPort,
  input: { tenantId: string; template: string },
): Promise<Pick<ContentPack, "renderer" | "actions">> {
  const { sources } = mail.pack;
  if (sources === undefined) return mail.pack;
  const { renderer } = await tenantRenderer(
    deps,
    { ...mail.pack, sources },
    input,
  );
  return { renderer, actions: mail.pack.actions };
}
