import { err, ok, type Result } from "@beklijf/core";

import type { Renderer, RenderError } from "./renderer";
import { sampleContext } from "./sample-context";

/**
 * Renders every template of every locale against the documented nudge context (strict mode):
 * a variable that context does not have fails here, when a pack is loaded or a template saved,
 * not when someone's email is due. Returns the first failure, naming template, locale and line.
 */
export function validateTemplates(
  renderer: Renderer,
  locales: readonly string[],
): Result<void, RenderError> {
  for (const locale of locales) {
    for (const template of renderer.templateNames(locale)) {
      const rendered = renderer.render({
        template,
        locale,
        data: sampleContext(locale),
      });
      if (!rendered.ok) return err(rendered.error);
    }
  }
  return ok(undefined);
}
