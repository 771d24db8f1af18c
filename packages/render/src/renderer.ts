import { err, ok, type Result } from "@beklijf/core";
import Handlebars from "handlebars";
import { convert } from "html-to-text";
import { DateTime } from "luxon";

/** A content pack's templates as text (reading files is the caller's job). */
export interface PackSources {
  readonly name: string;
  /**
   * Layout name -> source with a `{{{body}}}` slot: "email" wraps the HTML part; the optional
   * "email.text" wraps text templates (without it, a text template is the whole text part).
   */
  readonly layouts: Readonly<Record<string, string>>;
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
  readonly html: string;
  readonly text: string;
  /** The locale actually used (after fallback). */
  readonly locale: string;
}

export type RenderError =
  | { kind: "unknown-template"; template: string; locale: string }
  | {
      kind: "compile-failed";
      template: string;
      locale: string;
      part: string;
      message: string;
    }
  | {
      kind: "render-failed";
      template: string;
      locale: string;
      part: string;
      message: string;
    };

type Compiled = {
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate | undefined;
};

/** The helpers every template may use; registered once, under these names only. */
export const HELPER_NAMES = ["formatDate", "eq"] as const;

export interface Renderer {
  render(input: {
    template: string;
    locale: string;
    data: Record<string, unknown>;
  }): Result<RenderedEmail, RenderError>;
  /** Template names available in a locale (including fallback ones). */
  templateNames(locale: string): string[];
}

/**
 * Compiles a pack once, in strict mode (a missing variable is an error, not an empty string), on
 * an isolated Handlebars instance. `{{x}}` escapes HTML; never use `{{{x}}}` for data.
 */
export function createRenderer(
  pack: PackSources,
): Result<Renderer, RenderError> {
  const hbs = Handlebars.create();
  hbs.registerHelper(
    "formatDate",
    (value: unknown, options: Handlebars.HelperOptions) => {
      const hash = options.hash as Record<string, unknown>;
      const locale = typeof hash["locale"] === "string" ? hash["locale"] : "en";
      const zone =
        typeof hash["timeZone"] === "string" ? hash["timeZone"] : "UTC";
      const date =
        value instanceof Date
          ? DateTime.fromJSDate(value)
          : DateTime.fromISO(String(value));
      return date.isValid
        ? date
            .setZone(zone)
            .setLocale(locale)
            .toLocaleString(DateTime.DATE_FULL)
        : "";
    },
  );
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);

  const layouts = new Map<string, HandlebarsTemplateDelegate>();
  for (const [name, source] of Object.entries(pack.layouts)) {
    const compiled = compile(hbs, source, {
      template: `layout:${name}`,
      locale: "*",
      part: name.endsWith(".text") ? "text" : "html",
    });
    if (!compiled.ok) return compiled;
    layouts.set(name, compiled.value);
  }
  const compiled = new Map<string, Compiled>();
  for (const [locale, templates] of Object.entries(pack.templates)) {
    for (const [template, parts] of Object.entries(templates)) {
      const subject = compile(hbs, parts.subject, {
        template,
        locale,
        part: "subject",
      });
      if (!subject.ok) return subject;
      const html = compile(hbs, parts.html, { template, locale, part: "html" });
      if (!html.ok) return html;
      let text: HandlebarsTemplateDelegate | undefined;
      if (parts.text !== undefined) {
        const textCompiled = compile(hbs, parts.text, {
          template,
          locale,
          part: "text",
        });
        if (!textCompiled.ok) return textCompiled;
        text = textCompiled.value;
      }
      compiled.set(`${locale}/${template}`, {
        subject: subject.value,
        html: html.value,
        text,
      });
    }
  }

  const resolve = (
    template: string,
    locale: string,
  ): { parts: Compiled; locale: string } | undefined => {
    const candidates = [
      locale,
      locale.split("-")[0] ?? locale,
      pack.fallbackLocale,
    ];
    for (const candidate of candidates) {
      const parts = compiled.get(`${candidate}/${template}`);
      if (parts !== undefined) return { parts, locale: candidate };
    }
    return undefined;
  };

  return ok({
    templateNames: (locale) => [
      ...new Set(
        [...compiled.keys()]
          .filter(
            (k) =>
              k.startsWith(`${locale}/`) ||
              k.startsWith(`${pack.fallbackLocale}/`),
          )
          .map((k) => k.split("/")[1] ?? ""),
      ),
    ],
    render: ({ template, locale, data }) => {
      const found = resolve(template, locale);
      if (found === undefined)
        return err({ kind: "unknown-template", template, locale });
      const context = { ...data, locale: found.locale };
      const run = (
        part: string,
        fn: () => string,
      ): Result<string, RenderError> => {
        try {
          return ok(fn());
        } catch (error) {
          return err({
            kind: "render-failed",
            template,
            locale: found.locale,
            part,
            message: error instanceof Error ? error.message : String(error),
          });
        }
      };
      const subject = run("subject", () =>
        found.parts.subject(context).replace(/\s+/g, " ").trim(),
      );
      if (!subject.ok) return subject;
      const body = run("html", () => found.parts.html(context));
      if (!body.ok) return body;
      const layout = layouts.get("email");
      const html = run("layout", () =>
        layout === undefined
          ? body.value
          : layout({
              ...context,
              subject: subject.value,
              body: new hbs.SafeString(body.value),
            }),
      );
      if (!html.ok) return html;
      const textTemplate = found.parts.text;
      // The text part carries everything the HTML does, the layout's footer and unsubscribe link
      // included: derived from the whole HTML, or a text template inside the text layout.
      const textLayout = layouts.get("email.text");
      const text = run("text", () => {
        if (textTemplate === undefined) return toText(html.value);
        const textBody = textTemplate(context);
        return textLayout === undefined
          ? textBody
          : textLayout({
              ...context,
              subject: subject.value,
              body: textBody,
            }).trim();
      });
      if (!text.ok) return text;
      return ok({
        subject: subject.value,
        html: html.value,
        text: text.value,
        locale: found.locale,
      });
    },
  });
}

function compile(
  hbs: typeof Handlebars,
  source: string,
  where: { template: string; locale: string; part: string },
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
    return err({
      kind: "compile-failed",
      ...where,
      message: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The plain-text part: links kept as "text [url]", no images, wrapped for mail clients. */
export function toText(html: string): string {
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: "img", format: "skip" },
      { selector: "a", options: { hideLinkHrefIfSameAsText: true } },
      { selector: "h1", options: { uppercase: false } },
      { selector: "h2", options: { uppercase: false } },
    ],
  }).trim();
}

export function describeRenderError(error: RenderError): string {
  switch (error.kind) {
    case "unknown-template":
      return `No template "${error.template}" for locale ${error.locale} (nor its fallback).`;
    case "compile-failed":
      return `Template "${error.template}" (${error.locale}, ${error.part}) does not compile: ${error.message}`;
    case "render-failed":
      return `Template "${error.template}" (${error.locale}, ${error.part}) failed to render: ${error.message}`;
  }
}
