import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import {
  err,
  formatJsonSyntaxError,
  parseJsonText,
  type Result,
} from "@beklijf/core";
import {
  checkTemplate,
  createRenderer,
  describeRenderError,
  type PackSources,
  type Renderer,
  type RenderError,
  validateTemplates,
} from "@beklijf/render";
import { formatRuleFileError, parseRuleSet, type Rule } from "@beklijf/rules";
import { z } from "zod";

/** What the one action of a template asks for: the answer its link records. */
export const TemplateAction = z.discriminatedUnion("answer", [
  z.strictObject({
    answer: z.literal("reflection"),
    /** The value levels (1-5) the reflection may be given at; the first is the default. */
    levels: z.array(z.number().int().min(1).max(5)).min(1),
  }),
  z.strictObject({ answer: z.literal("applied") }),
  z.strictObject({ answer: z.literal("manager-confirmed") }),
  z.strictObject({ answer: z.literal("manager-discussed") }),
]);
export type TemplateAction = z.infer<typeof TemplateAction>;

const PackManifest = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string(),
  fallbackLocale: z.string(),
  locales: z.array(z.string()).min(1),
  /** Every template of the pack and what its action records. */
  templates: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), TemplateAction),
});

export interface ContentPack {
  readonly name: string;
  readonly title: string;
  readonly dir: string;
  readonly rules: readonly Rule[];
  readonly sources: PackSources;
  readonly renderer: Renderer;
  /** Template name -> what its action link records. */
  readonly actions: Readonly<Record<string, TemplateAction>>;
}

/** The templates/ folder of this repository (the default place for packs). */
export const TEMPLATES_DIR = path.resolve(__dirname, "../../../templates");

/**
 * Reads a pack from `dir`: pack.json, rules.json, layouts/*.{html,text}.hbs, partials/*.hbs and
 * <locale>/<template>.{subject,html,text}.hbs. Validates the rules, compiles every template and
 * renders it against the documented context, and throws one Error naming the file and what is
 * wrong.
 */
export async function loadContentPack(dir: string): Promise<ContentPack> {
  const manifestFile = path.join(dir, "pack.json");
  if (!existsSync(manifestFile))
    throw new Error(`No content pack at ${dir}: ${manifestFile} is missing.`);
  const manifest = PackManifest.safeParse(await readJson(manifestFile));
  if (!manifest.success)
    throw new Error(
      `${manifestFile} is not valid: ${manifest.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );

  const rulesFile = path.join(dir, "rules.json");
  const rules = parseRuleSet(await readJson(rulesFile), rulesFile);
  if (!rules.ok) throw new Error(formatRuleFileError(rules.error));

  const layouts: Record<string, string> = {};
  for (const file of await listFiles(path.join(dir, "layouts"), ".html.hbs")) {
    layouts[file.slice(0, -".html.hbs".length)] = await readFile(
      path.join(dir, "layouts", file),
      "utf8",
    );
  }
  for (const file of await listFiles(path.join(dir, "layouts"), ".text.hbs")) {
    layouts[file.slice(0, -".hbs".length)] = await readFile(
      path.join(dir, "layouts", file),
      "utf8",
    );
  }
  const partials: Record<string, string> = {};
  for (const file of await listFiles(path.join(dir, "partials"), ".hbs")) {
    partials[file.slice(0, -".hbs".length)] = await readFile(
      path.join(dir, "partials", file),
      "utf8",
    );
  }
  const templates: Record<
    string,
    Record<string, { subject: string; html: string; text?: string }>
  > = {};
  for (const locale of manifest.data.locales) {
    const localeDir = path.join(dir, locale);
    const byName: Record<
      string,
      { subject: string; html: string; text?: string }
    > = {};
    for (const file of await listFiles(localeDir, ".subject.hbs")) {
      const name = file.slice(0, -".subject.hbs".length);
      const htmlFile = path.join(localeDir, `${name}.html.hbs`);
      if (!existsSync(htmlFile))
        throw new Error(
          `${htmlFile} is missing: template "${name}" (${locale}) has a subject but no HTML body.`,
        );
      const textFile = path.join(localeDir, `${name}.text.hbs`);
      const parts = {
        subject: await readFile(path.join(localeDir, file), "utf8"),
        html: await readFile(htmlFile, "utf8"),
      };
      byName[name] = existsSync(textFile)
        ? { ...parts, text: await readFile(textFile, "utf8") }
        : parts;
    }
    templates[locale] = byName;
    const declared = Object.keys(manifest.data.templates);
    const undeclared = Object.keys(byName).filter((n) => !declared.includes(n));
    const absent = declared.filter((n) => byName[n] === undefined);
    if (undeclared.length > 0 || absent.length > 0)
      throw new Error(
        `${localeDir}: ${[
          ...absent.map(
            (n) => `template "${n}" (listed in pack.json) is missing`,
          ),
          ...undeclared.map(
            (n) => `template "${n}" is not listed in pack.json's "templates"`,
          ),
        ].join("; ")}`,
      );
  }
  const sources: PackSources = {
    name: manifest.data.name,
    layouts,
    partials,
    templates,
    fallbackLocale: manifest.data.fallbackLocale,
  };
  const renderer = createRenderer(sources);
  if (!renderer.ok)
    throw new Error(`${dir}: ${describeRenderError(renderer.error)}`);
  // Strict mode only fails on data it is given: render every template against the documented
  // context now, so an unknown variable stops the load rather than someone's email.
  const validated = validateTemplates(
    renderer.value,
    manifest.data.locales,
    sources.templates,
  );
  if (!validated.ok)
    throw new Error(`${dir}: ${describeRenderError(validated.error)}`);

  // Every locale has every listed template (checked above), so a step is fine when its template
  // is listed. A listed template no rule uses is allowed: rules edited later may use it.
  const missing = rules.value.rules.flatMap((rule) =>
    rule.steps
      .filter((step) => manifest.data.templates[step.template] === undefined)
      .map(
        (step) => `${rule.key}/${step.key} uses template "${step.template}"`,
      ),
  );
  if (missing.length > 0)
    throw new Error(
      `${rulesFile}: templates missing from the pack: ${missing.join(", ")}`,
    );

  return {
    name: manifest.data.name,
    title: manifest.data.title,
    dir,
    rules: rules.value.rules,
    sources,
    renderer: renderer.value,
    actions: manifest.data.templates,
  };
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw new Error(`Cannot read ${file}`, { cause: error });
  });
  const parsed = parseJsonText(text);
  if (!parsed.ok)
    throw new Error(
      `${file} is not valid JSON: ${formatJsonSyntaxError(parsed.error)}`,
    );
  return parsed.value;
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
}

/**
 * Checks an edited template before it is saved (console, API) or used (a tenant's saved version,
 * see createTenantRenderers): the template and locale must be the pack's, and the edit must keep
 * the rules every template of a pack keeps (`checkTemplate`: strict compile and render against the
 * documented nudge context, escaped output only, the action link present) in the pack's layout and
 * partials. Returns the pack's renderer with the edit in place, or an error naming the template,
 * the locale, the part and (where there is one) the line.
 */
export function checkTemplateEdit(
  pack: Pick<ContentPack, "sources"> & Partial<Pick<ContentPack, "renderer">>,
  edit: { locale: string; template: string; parts: TemplateParts },
): Result<Renderer, RenderError> {
  const where = { template: edit.template, locale: edit.locale };
  if (pack.sources.templates[edit.locale]?.[edit.template] === undefined)
    return err({ kind: "unknown-template", ...where });
  const templates = { [edit.locale]: { [edit.template]: edit.parts } };
  // With the pack's compiled renderer only the edit is compiled; without it, the whole pack.
  const created =
    pack.renderer === undefined
      ? createRenderer({
          ...pack.sources,
          templates: {
            ...pack.sources.templates,
            [edit.locale]: {
              ...pack.sources.templates[edit.locale],
              ...templates[edit.locale],
            },
          },
        })
      : pack.renderer.withTemplates(templates);
  if (!created.ok) return created;
  const checked = checkTemplate(created.value, { ...where, parts: edit.parts });
  return checked.ok ? created : checked;
}

/** A template's parts: Handlebars sources. Without `text`, the text part is derived from the HTML. */
export interface TemplateParts {
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
}
