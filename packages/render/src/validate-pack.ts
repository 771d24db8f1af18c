import { err, ok, type Result } from "@beklijf/core";
import Handlebars from "handlebars";

import type { Renderer, RenderError, TemplateSources } from "./renderer";
import { sampleContext } from "./sample-context";

/**
 * Renders every template of every locale against the documented nudge context (strict mode):
 * a variable that context does not have fails here, when a pack is loaded or a template saved,
 * not when someone's email is due. With `sources`, each template also gets the rules of
 * `checkTemplate` (escaped output only, the action link present). Returns the first failure,
 * naming template, locale and line.
 */
export function validateTemplates(
  renderer: Renderer,
  locales: readonly string[],
  sources?: TemplateSources,
): Result<void, RenderError> {
  for (const locale of locales) {
    for (const template of renderer.templateNames(locale)) {
      const parts = sources?.[locale]?.[template];
      const checked =
        parts === undefined
          ? renderer.render({ template, locale, data: sampleContext(locale) })
          : checkTemplate(renderer, { template, locale, parts });
      if (!checked.ok) return err(checked.error);
    }
  }
  return ok(undefined);
}

/**
 * The rules a template of a pack, or a tenant's edit of one, must keep, checked against the
 * documented context of its locale with `renderer` (which must hold the template):
 * - it compiles and renders in strict mode (no unknown variable);
 * - its HTML has no unescaped output (`{{{x}}}` or `{{&x}}`): data is always escaped in HTML
 *   (the layout's `{{{body}}}` slot is the one exception, and layouts are not templates);
 * - its one action link (`links.action`) is in the HTML body and in the text part.
 */
export function checkTemplate(
  renderer: Renderer,
  input: {
    template: string;
    locale: string;
    parts: { subject: string; html: string; text?: string };
  },
): Result<void, RenderError> {
  const { template, locale } = input;
  const unescaped = unescapedOutputLine(input.parts.html);
  if (unescaped !== undefined)
    return err({
      kind: "not-allowed",
      template,
      locale,
      part: "html",
      line: unescaped,
      message:
        "unescaped output ({{{…}}} or {{&…}}) is not allowed in a template: write {{…}}, which escapes HTML",
    });
  const data = sampleContext(locale);
  const rendered = renderer.render({ template, locale, data });
  if (!rendered.ok) return rendered;
  const body = renderer.renderBody({ template, locale, data });
  if (!body.ok) return body;
  if (!body.value.html.includes(`href="${data.links.action}"`))
    return err({
      kind: "not-allowed",
      template,
      locale,
      part: "html",
      message:
        'the action link is missing: add {{> button href=links.action label="…"}} (or <a href="{{links.action}}">)',
    });
  if (!body.value.text.includes(data.links.action))
    return err({
      kind: "not-allowed",
      template,
      locale,
      part: "text",
      message: "the action link is missing: add {{links.action}}",
    });
  return ok(undefined);
}

/**
 * The line of the first `{{{x}}}` or `{{&x}}` in `source`, or undefined when there is none. A source that does not parse has none here: compiling it reports
 * the syntax error.
 */
function unescapedOutputLine(source: string): number | undefined {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch {
    return undefined;
  }
  const walk = (node: hbs.AST.Program | undefined): number | undefined => {
    for (const statement of node?.body ?? []) {
      if (isMustache(statement) && !statement.escaped)
        return statement.loc.start.line;
      if (isBlock(statement)) {
        const found = walk(statement.program) ?? walk(statement.inverse);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(program);
}

function isMustache(
  statement: hbs.AST.Statement,
): statement is hbs.AST.MustacheStatement {
  return statement.type === "MustacheStatement";
}

function isBlock(
  statement: hbs.AST.Statement,
): statement is hbs.AST.BlockStatement {
  return statement.type === "BlockStatement";
}
