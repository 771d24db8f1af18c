import { previewTemplate } from "@beklijf/content";
import type { TemplateParts } from "@beklijf/db";
import {
  describeRenderError,
  type Renderer,
  type RenderError,
} from "@beklijf/render";

import type { PackWithSources } from "../template-edits";
import { formField } from "./context";

// What the template editor's page and its live preview share.

/** A rendered email for an iframe's srcdoc, or the renderer's problem. */
export function previewIn(
  pack: PackWithSources,
  renderer: Renderer,
  template: string,
  locale: string,
): { locale: string; subject?: string; html?: string; error?: string } {
  const rendered = previewTemplate(
    { renderer, actions: pack.actions },
    { template, locale },
  );
  return rendered.ok
    ? { locale, subject: rendered.value.subject, html: rendered.value.html }
    : { locale, error: describeRenderError(rendered.error) };
}

/** A problem with a template, as the page shows it (and the live preview returns it). */
export function problemView(problem: RenderError) {
  return {
    text: describeRenderError(problem),
    locale: problem.locale,
    template: problem.template,
    part: "part" in problem ? problem.part : undefined,
    line: "line" in problem ? problem.line : undefined,
  };
}

/** The parts of a posted editor form; an empty text part means "derive it from the HTML". */
export function formParts(body: unknown): TemplateParts {
  const text = formField(body, "text");
  return {
    subject: formField(body, "subject"),
    html: formField(body, "html"),
    ...(text.trim() === "" ? {} : { text }),
  };
}
