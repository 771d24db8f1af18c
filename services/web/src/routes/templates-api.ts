import { listCurrentTemplates, listTemplateVersions } from "@beklijf/db";
import express, { type Request, type Response, Router } from "express";

import type { WebDeps } from "../deps";
import { parseBody, tenantOf } from "../http/request-parts";
import { requireRole, requireToken } from "../http/require-token";
import {
  assertPackTemplate,
  currentTemplate,
  packLocales,
  packWithSources,
  revertTemplate,
  saveTemplateEdit,
} from "../template-edits";
import { TemplatePut } from "../template-schemas";

/**
 * The tenant's templates (issue #6): `GET /templates` (every template of the pack in every locale:
 * saved version or the pack's text), `GET /templates/:template/:locale` (its source and versions)
 * and `PUT /templates/:template/:locale` (editor: save an edit, checked as the pack's templates
 * are, or revert to an older version or the pack's text). The mailer uses a save from about a
 * second later.
 */
export function templatesApiRouter(deps: WebDeps): Router {
  const router = Router();
  const json = express.json({ limit: "200kb" });
  const keyOf = (req: Request, res: Response) => ({
    tenantId: tenantOf(res),
    template: String(req.params["template"]),
    locale: String(req.params["locale"]),
  });
  const savedBy = (res: Response) =>
    `api token ${String(res.locals["tokenName"])}`;

  router.get(
    "/templates",
    requireToken(deps),
    requireRole("viewer"),
    async (_req, res) => {
      const pack = packWithSources(deps);
      const saved = await listCurrentTemplates(deps.db, tenantOf(res));
      const locales = packLocales(pack);
      res.json(
        Object.keys(pack.actions)
          .sort()
          .flatMap((template) =>
            locales.map((locale) => {
              const own = saved.find(
                (v) => v.template === template && v.locale === locale,
              );
              const parts =
                own?.parts ?? pack.sources.templates[locale]?.[template];
              return {
                template,
                locale,
                source: own?.parts == null ? "pack" : "saved",
                version: own?.version ?? 0,
                subject: parts?.subject ?? "",
              };
            }),
          ),
      );
    },
  );

  const detail = async (req: Request, res: Response) => {
    const pack = packWithSources(deps);
    const key = keyOf(req, res);
    assertPackTemplate(pack, key.template, key.locale);
    const [current, versions] = await Promise.all([
      currentTemplate(deps, pack, key),
      listTemplateVersions(deps.db, key),
    ]);
    return {
      template: key.template,
      locale: key.locale,
      source: current.source,
      version: current.version,
      subject: current.parts.subject,
      parts: current.parts,
      versions: versions.map((v) => ({
        version: v.version,
        source: v.parts === null ? "pack" : "saved",
        revertOf: v.revertOf,
        savedBy: v.savedBy,
        savedAt: v.savedAt.toISOString(),
      })),
    };
  };

  router.get(
    "/templates/:template/:locale",
    requireToken(deps),
    requireRole("viewer"),
    async (req, res) => {
      res.json(await detail(req, res));
    },
  );

  router.put(
    "/templates/:template/:locale",
    requireToken(deps),
    requireRole("editor"),
    json,
    async (req, res) => {
      const pack = packWithSources(deps);
      const body = parseBody(
        TemplatePut,
        req.body,
        "The template was not saved.",
        "TEMPLATE_INVALID",
      );
      const key = keyOf(req, res);
      const common = {
        ...key,
        savedBy: savedBy(res),
        ...(body.baseVersion === undefined
          ? {}
          : { basedOn: body.baseVersion }),
      };
      if ("revertTo" in body)
        await revertTemplate(deps, pack, {
          ...common,
          revertTo: body.revertTo,
        });
      else
        await saveTemplateEdit(deps, pack, {
          ...common,
          parts: {
            subject: body.subject,
            html: body.html,
            ...(body.text === undefined || body.text.trim() === ""
              ? {}
              : { text: body.text }),
          },
        });
      res.json(await detail(req, res));
    },
  );

  return router;
}
