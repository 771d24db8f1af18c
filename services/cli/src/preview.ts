import { writeFile } from "node:fs/promises";
import path from "node:path";

import type * as Content from "@beklijf/content";
import { ValidationError } from "@beklijf/core";
import type * as Render from "@beklijf/render";
import type { Command } from "commander";

import { readJsonFile } from "./read-json-file";

/**
 * `beklijf preview TEMPLATE --locale nl [--data FILE] [--out DIR] [--pack DIR]`: renders one
 * template of a content pack with sample data (overridden by --data) and writes
 * <template>.<locale>.html and .txt; prints { subject, html, text } with the files' paths.
 */
export function registerPreviewCommand(
  program: Command,
  print: (value: unknown) => void,
): void {
  program
    .command("preview")
    .description(
      "render a template with sample data; writes TEMPLATE.LOCALE.html and .txt and prints { subject, html, text }",
    )
    .argument("<template>", "a template name, e.g. commit")
    .option("--locale <locale>", "nl or en", "nl")
    .option("--data <file>", "JSON object laid over the sample data")
    .option("--out <dir>", "where to write the files", ".")
    .option(
      "--pack <dir>",
      "the content pack (default: the repository's templates/werkplekleren)",
    )
    .action(
      async (
        template: string,
        options: { locale: string; data?: string; out: string; pack?: string },
      ) => {
        // Loaded here, not at start-up: every other command would pay for Handlebars, juice and
        // html-to-text. require, not import(): the bin runs TypeScript through tsx's CommonJS hook.
        /* eslint-disable @typescript-eslint/no-require-imports */
        const content = require("@beklijf/content") as typeof Content;
        const render = require("@beklijf/render") as typeof Render;
        /* eslint-enable @typescript-eslint/no-require-imports */
        const { loadContentPack, previewTemplate, TEMPLATES_DIR } = content;
        const { describeRenderError } = render;
        const packDir =
          options.pack ?? path.join(TEMPLATES_DIR, "werkplekleren");
        const pack = await loadContentPack(packDir);
        const data =
          options.data === undefined ? {} : await readDataFile(options.data);
        const rendered = previewTemplate(pack, {
          template,
          locale: options.locale,
          data,
        });
        if (!rendered.ok)
          throw new ValidationError(
            rendered.error.kind === "unknown-template"
              ? `No template "${template}" in ${packDir} (it has: ${Object.keys(pack.actions).join(", ")}).`
              : describeRenderError(rendered.error),
            [],
            "TEMPLATE_INVALID",
          );
        const base = path.join(
          options.out,
          `${template}.${rendered.value.locale}`,
        );
        await writeFile(`${base}.html`, rendered.value.html);
        await writeFile(`${base}.txt`, `${rendered.value.text}\n`);
        print({
          subject: rendered.value.subject,
          locale: rendered.value.locale,
          html: path.resolve(`${base}.html`),
          text: path.resolve(`${base}.txt`),
        });
      },
    );
}

async function readDataFile(file: string): Promise<Record<string, unknown>> {
  const json = await readJsonFile(file);
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new ValidationError(
      `${file} must hold a JSON object (fields laid over the sample data, e.g. { "recipient": { "givenName": "Sam" } }).`,
      [],
      "FILE_INVALID",
    );
  return Object.fromEntries(Object.entries(json));
}
