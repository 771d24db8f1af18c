import { err, ok, type Result } from "@beklijf/core";
import Handlebars from "handlebars";
import { convert } from "html-to-text";
import juice from "juice";

import { registerHelpers } from "./helpers";

/** A content pack's templates as text (reading files is the caller's job). */
export interface PackSources {
  readonly name: string;
  /**
   * Layout name -> source with a `{{{body}}}` slot: "email" wraps the HTML part; the optional
   * "email.text" wraps text templates (without it, a text template is the whole text part).
   */
  readonly layouts: Readonly<Record<string, string>>;
  /** Partial name -> source, e.g. "button" for `{{> button href=links.action label="…"}}`. */
  readonly partials?: Readonly<Record<string, string>>;
  /** Locale -> template name -> parts. `text` is optional; without it the text part is derived from the HTML. */
  readonly templates: Readonly<
    Record<
      string,
      Readonly<Record<string, { subject: string; html: string; text?: string }>>
    >
  >;
  /** The locale used when a template is missing in the recipient's locale. */
  readonly fallbackLocale: string;
}

export interface RenderedEmail {
  readonly subject: string;
  /** The whole HTML document, layout included, with its CSS inlined. */
  readonly html: string;
  readonly text: string;
  /** The locale actually used (after fallback). */
  readonly locale: string;
}

interface Where {
  readonly template: string;
  readonly locale: string;
  readonly part: string;
}

export type RenderError =
  | { kind: "unknown-template"; template: string; locale: string }
  | (Where & {
      /** "not-allowed": it breaks a rule of `checkTemplate` (unescaped output, no action link). */
      kind: "compile-failed" | "render-failed" | "not-allowed";
      message: string;
      /** 1-based line in the template source, when Handlebars names one. */
      line?: number;
    });

type Compiled = {
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
};

const SEPARATOR = '<hr class="between-nudges">';

/** One nudge in an email: a template and the data it is rendered with. */
export interface Section {
  readonly template: string;
  readonly data: Record<string, unknown>;
}

export interface Renderer {
  /**
   * Renders one email: `template` with `data` first (it gives the subject and the layout's data),
   * then each of `merged` in order, separated by a rule, all inside the layout.
   */
  render(
    input: Section & { locale: string; merged?: readonly Section[] },
  ): Result<RenderedEmail, RenderError>;
  /** Only a template's body (no layout), as HTML and text: for word counts and previews of parts. */
  renderBody(
    input: Section & { locale: string },
  ): Result<{ html: string; text: string; locale: string }, RenderError>;
  /** Template names available in a locale (including fallback ones). */
  templateNames(locale: string): string[];
  /**
   * This renderer with `templates` added or put in place of its own (locale -> name -> parts),
   * on the same layouts, partials and helpers: only the given templates are compiled (with the
   * layout's CSS inlined, as at load). This renderer is unchanged. For a tenant's edits of a pack.
   */
  withTemplates(templates: TemplateSources): Result<Renderer, RenderError>;
}

/** Locale -> template name -> parts, as in `PackSources.templates`. */
export type TemplateSources = PackSources["templates"];

/**
 * Compiles a pack once, in strict mode (a missing variable is an error, not an empty string), on
 * an isolated Handlebars instance. `{{x}}` escapes HTML; never use `{{{x}}}` for data.
 */
export function createRenderer(
  pack: PackSources,
): Result<Renderer, RenderError> {
  // Two instances: HTML (escapes) and text (does not). Both get the helpers and the partials; the
  // text partials are derived from the HTML ones.
  const hbs = Handlebars.create();
  const textHbs = Handlebars.create();
  registerHelpers(hbs);
  registerHelpers(textHbs);
  // Many mail clients drop <style>: the layout's CSS is inlined into the layout, every partial and
  // every template once, here, instead of into every email (juice per email costs milliseconds).
  const css = styleOf(pack.layouts["email"] ?? "");
  const inline = (source: string) =>
    css === "" ? source : juice.inlineContent(source, css);
  for (const [name, source] of Object.entries(pack.partials ?? {})) {
    const where = { template: `partial:${name}`, locale: "*" };
    const compiled = compile(hbs, inline(source), { ...where, part: "html" });
    if (!compiled.ok) return compiled;
    hbs.registerPartial(name, compiled.value);
    const text = compile(textHbs, htmlSourceToText(source), {
      ...where,
      part: "text",
    });
    if (!text.ok) return text;
    textHbs.registerPartial(name, text.value);
  }

  const layouts = new Map<string, HandlebarsTemplateDelegate>();
  const layoutSources: Record<string, string> = { ...pack.layouts };
  const htmlLayout = pack.layouts["email"];
  if (htmlLayout !== undefined) {
    layoutSources["email"] = juice(htmlLayout, { preserveMediaQueries: true });
    layoutSources["email.text"] ??= htmlSourceToText(htmlLayout);
  }
  for (const [name, source] of Object.entries(layoutSources)) {
    const isText = name.endsWith(".text");
    const compiled = compile(isText ? textHbs : hbs, source, {
      template: `layout:${name}`,
      locale: "*",
      part: isText ? "text" : "html",
    });
    if (!compiled.ok) return compiled;
    layouts.set(name, compiled.value);
  }
  const separator = inline(SEPARATOR);
  const compiled = compileTemplates(pack.templates, { hbs, textHbs, inline });
  if (!compiled.ok) return compiled;
  return ok(
    makeRenderer({
      compiled: compiled.value,
      fallbackLocale: pack.fallbackLocale,
      layouts,
      separator,
      hbs,
      compileMore: (templates) =>
        compileTemplates(templates, { hbs, textHbs, inline }),
    }),
  );
}

/** What a renderer compiles its templates with. */
interface Compilers {
  readonly hbs: typeof Handlebars;
  readonly textHbs: typeof Handlebars;
  /** Inlines the layout's CSS into an HTML source. */
  readonly inline: (source: string) => string;
}

function compileTemplates(
  templates: TemplateSources,
  { hbs, textHbs, inline }: Compilers,
): Result<Map<string, Compiled>, RenderError> {
  const compiled = new Map<string, Compiled>();
  for (const [locale, byName] of Object.entries(templates)) {
    for (const [template, parts] of Object.entries(byName)) {
      const subject = compile(hbs, parts.subject, {
        template,
        locale,
        part: "subject",
      });
      if (!subject.ok) return subject;
      const html = compile(hbs, inline(parts.html), {
        template,
        locale,
        part: "html",
      });
      if (!html.ok) return html;
      // Without a text template, the text part is derived from the HTML template's source (links
      // become "label [url]"), once here: converting every email's HTML costs milliseconds.
      const text = compile(
        textHbs,
        parts.text ?? htmlSourceToText(parts.html),
        { template, locale, part: "text" },
      );
      if (!text.ok) return text;
      compiled.set(`${locale}/${template}`, {
        subject: subject.value,
        html: html.value,
        text: text.value,
      });
    }
  }
  return ok(compiled);
}

function makeRenderer(setup: {
  readonly compiled: ReadonlyMap<string, Compiled>;
  readonly fallbackLocale: string;
  readonly layouts: ReadonlyMap<string, HandlebarsTemplateDelegate>;
  readonly separator: string;
  readonly hbs: typeof Handlebars;
  readonly compileMore: (
    templates: TemplateSources,
  ) => Result<Map<string, Compiled>, RenderError>;
}): Renderer {
  const { compiled, layouts, separator, hbs } = setup;
  const resolve = (
    template: string,
    locale: string,
  ): { parts: Compiled; locale: string } | undefined => {
    const candidates = [
      locale,
      locale.split("-")[0] ?? locale,
      setup.fallbackLocale,
    ];
    for (const candidate of candidates) {
      const parts = compiled.get(`${candidate}/${template}`);
      if (parts !== undefined) return { parts, locale: candidate };
    }
    return undefined;
  };

  const run = (where: Where, fn: () => string): Result<string, RenderError> => {
    try {
      return ok(fn());
    } catch (error) {
      return err(failure("render-failed", where, error));
    }
  };

  /** Renders the body of each section in one resolved locale. */
  const renderSections = (
    sections: readonly Section[],
    locale: string,
  ): Result<{ html: string; text: string }[], RenderError> => {
    const out: { html: string; text: string }[] = [];
    for (const section of sections) {
      const found = resolve(section.template, locale);
      if (found === undefined)
        return err({
          kind: "unknown-template",
          template: section.template,
          locale,
        });
      const context = { ...section.data, locale: found.locale };
      const where = { template: section.template, locale: found.locale };
      const html = run({ ...where, part: "html" }, () =>
        found.parts.html(context),
      );
      if (!html.ok) return html;
      const text = run({ ...where, part: "text" }, () =>
        found.parts.text(context),
      );
      if (!text.ok) return text;
      out.push({ html: html.value, text: text.value });
    }
    return ok(out);
  };

  return {
    withTemplates: (templates) => {
      const more = setup.compileMore(templates);
      if (!more.ok) return more;
      return ok(
        makeRenderer({
          ...setup,
          compiled: new Map([...compiled, ...more.value]),
        }),
      );
    },
    templateNames: (locale) => [
      ...new Set(
        [...compiled.keys()]
          .filter(
            (k) =>
              k.startsWith(`${locale}/`) ||
              k.startsWith(`${setup.fallbackLocale}/`),
          )
          .map((k) => k.split("/")[1] ?? ""),
      ),
    ],
    renderBody: ({ template, locale, data }) => {
      const found = resolve(template, locale);
      if (found === undefined)
        return err({ kind: "unknown-template", template, locale });
      const bodies = renderSections([{ template, data }], found.locale);
      if (!bodies.ok) return bodies;
      const html = bodies.value[0]?.html ?? "";
      return ok({
        html,
        text: bodies.value[0]?.text ?? "",
        locale: found.locale,
      });
    },
    render: ({ template, locale, data, merged = [] }) => {
      const found = resolve(template, locale);
      if (found === undefined)
        return err({ kind: "unknown-template", template, locale });
      const context = { ...data, locale: found.locale };
      const where = { template, locale: found.locale };
      const subject = run({ ...where, part: "subject" }, () =>
        found.parts.subject(context).replace(/\s+/g, " ").trim(),
      );
      if (!subject.ok) return subject;
      const bodies = renderSections(
        [{ template, data }, ...merged],
        found.locale,
      );
      if (!bodies.ok) return bodies;
      const layout = layouts.get("email");
      const bodyHtml = bodies.value.map((b) => b.html).join(`\n${separator}\n`);
      const html = run({ ...where, part: "layout" }, () =>
        layout === undefined
          ? bodyHtml
          : layout({
              ...context,
              subject: subject.value,
              body: new hbs.SafeString(bodyHtml),
            }),
      );
      if (!html.ok) return html;
      // The text part carries everything the HTML does, the layout's footer and unsubscribe link
      // included: the sections' text parts inside the text layout (derived from the HTML layout
      // unless the pack has "email.text").
      const textLayout = layouts.get("email.text");
      const textBody = bodies.value
        .map((b) => b.text)
        .join(`\n\n${"-".repeat(40)}\n\n`);
      const text = run({ ...where, part: "text" }, () =>
        (textLayout === undefined
          ? textBody
          : textLayout({ ...context, subject: subject.value, body: textBody })
        )
          .replace(/\n{3,}/g, "\n\n")
          .trim(),
      );
      if (!text.ok) return text;
      return ok({
        subject: subject.value,
        html: html.value,
        text: text.value,
        locale: found.locale,
      });
    },
  };
}

function failure(
  kind: "compile-failed" | "render-failed",
  where: Where,
  error: unknown,
): RenderError {
  const message = error instanceof Error ? error.message : String(error);
  // Handlebars ends strict-mode errors with " - line:column" and parse errors with "on line N".
  const line = /(?: - |on line )(\d+)(?::\d+)?/.exec(message)?.[1];
  return line === undefined
    ? { kind, ...where, message }
    : { kind, ...where, message, line: Number(line) };
}

function compile(
  hbs: typeof Handlebars,
  source: string,
  where: Where,
): Result<HandlebarsTemplateDelegate, RenderError> {
  try {
    // Only HTML is escaped: a subject or text part with "&amp;" in it would be wrong, and neither is
    // ever interpreted as HTML.
    const options = { strict: true, noEscape: where.part !== "html" };
    const template = hbs.compile(source, options);
    // Handlebars compiles lazily; precompiling surfaces syntax errors now, at load time.
    hbs.precompile(source, options);
    return ok(template);
  } catch (error) {
    return err(failure("compile-failed", where, error));
  }
}

/** The CSS of a document's <style> blocks. */
function styleOf(html: string): string {
  return [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)]
    .map((m) => m[1] ?? "")
    .join("\n");
}

/**
 * A text template from an HTML template's source: the same conversion as `toText`, without
 * wrapping (a wrap could split a `{{…}}` expression). Handlebars expressions pass through as text.
 */
export function htmlSourceToText(source: string): string {
  return convert(source, { ...TEXT_OPTIONS, wordwrap: false }).trim();
}

const TEXT_OPTIONS = {
  selectors: [
    { selector: "img", format: "skip" },
    { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
    { selector: "h1", options: { uppercase: false } },
    { selector: "h2", options: { uppercase: false } },
  ],
};

/** The plain-text part: links kept as "text [url]", no images, wrapped for mail clients. */
export function toText(html: string): string {
  return convert(html, { ...TEXT_OPTIONS, wordwrap: 78 }).trim();
}

export function describeRenderError(error: RenderError): string {
  switch (error.kind) {
    case "unknown-template":
      return `No template "${error.template}" for locale ${error.locale} (nor its fallback).`;
    case "compile-failed":
      return `Template "${error.template}" (${error.locale}, ${error.part}${lineOf(error)}) does not compile: ${error.message}`;
    case "render-failed":
      return `Template "${error.template}" (${error.locale}, ${error.part}${lineOf(error)}) failed to render: ${error.message}`;
    case "not-allowed":
      return `Template "${error.template}" (${error.locale}, ${error.part}${lineOf(error)}) is not allowed: ${error.message}`;
  }
}

function lineOf(error: { line?: number }): string {
  return error.line === undefined ? "" : `, line ${error.line}`;
}
