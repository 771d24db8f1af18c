import { readFileSync } from "node:fs";
import path from "node:path";

import type { Router } from "express";

import type { WebDeps } from "../deps";
import {
  packLocales,
  packWithSources,
  tenantRenderer,
} from "../template-edits";
import { requireRole, sessionOf } from "./auth";
import { routeParam } from "./context";
import { formParts, previewIn, problemView } from "./template-views";
import { CONSOLE_VIEWS_DIR } from "./views";

/** The editor's script (progressive enhancement: the page works without it). */
const EDITOR_SCRIPT = readFileSync(
  path.join(CONSOLE_VIEWS_DIR, "template-editor.js"),
  "utf8",
);

/**
 * The template editor's live preview: `GET /content/editor.js` (the script) and
 * `POST /api/content/:template/preview` (editor role, the form's fields with its CSRF token), which
 * renders the unsaved edit of one locale and the tenant's current version of the others, and
 * answers `{ previews: [{ locale, subject, html } | { locale, error }], problem? }`. Nothing is
 * stored.
 */
export function mountTemplatePreviewApi(
  router: Router,
  deps: Pick<WebDeps, "mail" | "db">,
): void {
  router.get("/content/editor.js", (_req, res) => {
    res.type("text/javascript").send(EDITOR_SCRIPT);
  });

  router.post(
    "/api/content/:template/preview",
    requireRole("editor"),
    async (req, res) => {
      const pack = packWithSources(deps);
      const template = routeParam(req.params["template"]) ?? "";
      const body: unknown = req.body;
      const asked =
        typeof body === "object" && body !== null && "locale" in body
          ? body.locale
          : undefined;
      const locale =
        typeof asked === "string" && pack.sources.templates[asked] !== undefined
          ? asked
          : pack.sources.fallbackLocale;
      const { renderer, problem } = await tenantRenderer(deps, pack, {
        tenantId: sessionOf(res).user.tenantId,
        template,
        draft: { template, locale, parts: formParts(req.body) },
      });
      res.json({
        previews: packLocales(pack).map((l) =>
          l === locale && problem !== undefined
            ? { locale: l, error: problemView(problem).text }
            : previewIn(pack, renderer, template, l),
        ),
        ...(problem === undefined ? {} : { problem: problemView(problem) }),
      });
    },
  );
}
