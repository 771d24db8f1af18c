import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

import {
  createRenderer,
  describeRenderError,
  type PackSources,
  type Renderer,
} from "@beklijf/render";
import { formatRuleFileError, parseRuleSet, type Rule } from "@beklijf/rules";
import { z } from "zod";

const PackManifest = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string(),
  fallbackLocale: z.string(),
  locales: z.array(z.string()).min(1),
});

export interface ContentPack {
  readonly name: string;
  readonly title: string;
  readonly dir: string;
  readonly rules: readonly Rule[];
  readonly sources: PackSources;
  readonly renderer: Renderer;
}

/** The templates/ folder of this repository (the default place for packs). */
export const TEMPLATES_DIR = path.resolve(__dirname, "../../../templates");

/**
 * Reads a pack from `dir`: pack.json, rules.json, layouts/*.{html,text}.hbs and
 * <locale>/<template>.{subject,html,text}.hbs. Validates the rules and compiles every template, and
 * throws one Error naming the file and what is wrong.
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
  }
  const sources: PackSources = {
    name: manifest.data.name,
    layouts,
    templates,
    fallbackLocale: manifest.data.fallbackLocale,
  };
  const renderer = createRenderer(sources);
  if (!renderer.ok)
    throw new Error(`${dir}: ${describeRenderError(renderer.error)}`);

  const missing = rules.value.rules.flatMap((rule) =>
    rule.steps
      .filter(
        (step) =>
          templates[manifest.data.fallbackLocale]?.[step.template] ===
          undefined,
      )
      .map(
        (step) => `${rule.key}/${step.key} uses template "${step.template}"`,
      ),
  );
  if (missing.length > 0)
    throw new Error(
      `${rulesFile}: templates missing in ${manifest.data.fallbackLocale}: ${missing.join(", ")}`,
    );

  return {
    name: manifest.data.name,
    title: manifest.data.title,
    dir,
    rules: rules.value.rules,
    sources,
    renderer: renderer.value,
  };
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8").catch((error: unknown) => {
    throw new Error(`Cannot read ${file}`, { cause: error });
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith(suffix)).sort();
}
