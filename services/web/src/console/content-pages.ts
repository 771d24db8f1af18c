import { checkTemplateEdit, previewTemplate } from "@beklijf/content";
import { NotFoundError, ValidationError } from "@beklijf/core";
import {
  listCurrentTemplates,
  listTemplateVersions,
  type TemplateParts,
} from "@beklijf/db";
import {
  describeRenderError,
  type RenderError,
  sampleContext,
} from "@beklijf/render";
import type { Request, Response, Router } from "express";

import type { WebDeps } from "../deps";
import {
  currentTemplate,
  packLocales,
  packWithSources,
  previewPack,
  revertTemplate,
  saveTemplateEdit,
  tenantRenderer,
} from "../template-edits";
import { requireRole, sessionOf } from "./auth";
import { formField, pageContext, routeParam } from "./context";
import { translate } from "./messages";
import { mountTemplatePreviewApi } from "./template-preview-api";
import { formParts, previewIn, problemView } from "./template-views";
import type { ConsoleRender } from "./views";

/** A version number from a form field, or undefined when absent or not a number. */
function versionField(body: unknown, name: string): number | undefined {
  const value = formField(body, name);
  return /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * Content: the pack's templates per locale and, per template, an editor (subject, HTML, text) with
 * a preview in every locale side by side (sandboxed iframes with srcdoc, no scripts inside), a
 * check, a save (checked as the pack's templates are: nothing is stored when it fails), the
 * versions with a revert, and a test send. The tenant's saved version is what emails, previews
 * and test sends use; the pack's text otherwise. The core flow is plain forms; with JavaScript on,
 * the preview follows the typing (template-preview-api.ts).
 */
export function mountContentPages(
  router: Router,
  deps: Pick<WebDeps, "mail" | "logger" | "db" | "clock">,
  render: ConsoleRender,
): void {
  mountTemplatePreviewApi(router, deps);

  router.get("/content", async (_req, res) => {
    const context = pageContext(res, "", "content");
    const pack = packWithSources(deps);
    const { sources } = pack;
    const locales = packLocales(pack);
    const saved = await listCurrentTemplates(
      deps.db,
      sessionOf(res).user.tenantId,
    );
    const names = Object.keys(pack.actions).sort();
    res.type("html").send(
      render(
        "content",
        { ...context, title: translate(context.locale, "content.title") },
        {
          pack: { name: sources.name, title: pack.title ?? sources.name },
          locales,
          templates: names.map((name) => ({
            name,
            answer: pack.actions[name]?.answer,
            locales: locales.map((locale) => {
              const own = saved.find(
                (v) => v.template === name && v.locale === locale,
              )?.parts;
              return {
                locale,
                has: sources.templates[locale]?.[name] !== undefined,
                saved: own != null,
                subject:
                  own?.subject ??
                  sources.templates[locale]?.[name]?.subject ??
                  "",
              };
            }),
          })),
        },
      ),
    );
  });

  const templateOf = (req: Request): { name: string; locale: string } => {
    const pack = packWithSources(deps);
    const name = routeParam(req.params["template"]) ?? "";
    if (pack.actions[name] === undefined)
      throw new NotFoundError(
        `The pack has no template "${name}".`,
        "TEMPLATE_NOT_FOUND",
      );
    const asked = formField(req.body, "locale") || req.query["locale"];
    const locale =
      typeof asked === "string" && pack.sources.templates[asked] !== undefined
        ? asked
        : pack.sources.fallbackLocale;
    return { name, locale };
  };

  const show = async (
    res: Response,
    status: number,
    template: { name: string; locale: string },
    extra: {
      parts?: TemplateParts;
      baseVersion?: number;
      problem?: RenderError;
      checked?: { subject: string; html: string };
      sentTo?: string;
      to?: string;
      saved?: number;
    } = {},
  ) => {
    const pack = packWithSources(deps);
    const context = pageContext(res, template.name, "content");
    const tenantId = sessionOf(res).user.tenantId;
    const key = { tenantId, template: template.name, locale: template.locale };
    const [current, versions, { renderer }] = await Promise.all([
      currentTemplate(deps, pack, key),
      listTemplateVersions(deps.db, key),
      tenantRenderer(deps, pack, { tenantId, template: template.name }),
    ]);
    const parts = extra.parts ?? current.parts;
    // Scripts only here (the live preview), from this origin; everything else stays as strict.
    res.set(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-src 'self'; base-uri 'none'",
    );
    res
      .status(status)
      .type("html")
      .send(
        render("template", context, {
          template: template.name,
          locale: template.locale,
          locales: packLocales(pack).map((l) => ({
            locale: l,
            current: l === template.locale,
          })),
          parts: { ...parts, hasText: parts.text !== undefined },
          current,
          baseVersion: extra.baseVersion ?? current.version,
          versions: versions.map((v) => ({
            ...v,
            isCurrent: v.version === current.version,
            kind:
              v.revertOf === null
                ? "edit"
                : v.revertOf === 0
                  ? "pack"
                  : "revert",
          })),
          previews: packLocales(pack).map((l) =>
            previewIn(pack, renderer, template.name, l),
          ),
          problem:
            extra.problem === undefined
              ? undefined
              : problemView(extra.problem),
          checked: extra.checked,
          canSend: deps.mail?.sendTest !== undefined,
          sentTo: extra.sentTo,
          to: extra.to ?? "",
          saved: extra.saved,
        }),
      );
  };

  /**
   * The edit in the form, checked as a pack import checks it. On a problem the form comes back
   * with what was typed and the problem next to it (400), nothing is stored, and this returns
   * undefined.
   */
  const checkedFormEdit = async (req: Request, res: Response) => {
    const template = templateOf(req);
    const pack = packWithSources(deps);
    const parts = formParts(req.body);
    const base = versionField(req.body, "baseVersion");
    const keep = base === undefined ? {} : { baseVersion: base };
    const checked = checkTemplateEdit(pack, {
      locale: template.locale,
      template: template.name,
      parts,
    });
    if (!checked.ok) {
      await show(res, 400, template, {
        parts,
        problem: checked.error,
        ...keep,
      });
      return undefined;
    }
    return { template, pack, parts, base, keep, renderer: checked.value };
  };

  /** Logs a stored version and sends the browser to the page that shows it (post/redirect/get). */
  const toSavedVersion = (
    res: Response,
    template: { name: string; locale: string },
    version: number,
    revertTo?: number,
  ) => {
    deps.logger.info(
      { template: template.name, locale: template.locale, version, revertTo },
      "template version saved in the console",
    );
    res.redirect(
      303,
      `/console/content/${encodeURIComponent(template.name)}?locale=${encodeURIComponent(template.locale)}&saved=${version}`,
    );
  };

  router.get("/content/:template", async (req, res) => {
    const saved = versionField(req.query, "saved");
    await show(res, 200, templateOf(req), saved === undefined ? {} : { saved });
  });

  router.post(
    "/content/:template/check",
    requireRole("editor"),
    async (req, res) => {
      const edit = await checkedFormEdit(req, res);
      if (edit === undefined) return;
      const { template, parts, keep } = edit;
      const rendered = edit.renderer.render({
        template: template.name,
        locale: template.locale,
        data: sampleContext(template.locale),
      });
      await show(res, 200, template, {
        parts,
        ...keep,
        ...(rendered.ok
          ? {
              checked: {
                subject: rendered.value.subject,
                html: rendered.value.html,
              },
            }
          : { problem: rendered.error }),
      });
    },
  );

  router.post(
    "/content/:template/save",
    requireRole("editor"),
    async (req, res) => {
      const edit = await checkedFormEdit(req, res);
      if (edit === undefined) return;
      const { template, parts, base } = edit;
      const session = sessionOf(res);
      const version = await saveTemplateEdit(deps, edit.pack, {
        tenantId: session.user.tenantId,
        template: template.name,
        locale: template.locale,
        parts,
        ...(base === undefined ? {} : { basedOn: base }),
        savedBy: session.user.email,
      });
      toSavedVersion(res, template, version);
    },
  );

  router.post(
    "/content/:template/revert",
    requireRole("editor"),
    async (req, res) => {
      const template = templateOf(req);
      const session = sessionOf(res);
      const revertTo = versionField(req.body, "version");
      if (revertTo === undefined)
        throw new ValidationError(
          "Say which version to go back to.",
          [{ path: ["version"], message: "must be a version number" }],
          "TEMPLATE_REVERT_INVALID",
        );
      const base = versionField(req.body, "baseVersion");
      const version = await revertTemplate(deps, packWithSources(deps), {
        tenantId: session.user.tenantId,
        template: template.name,
        locale: template.locale,
        revertTo,
        ...(base === undefined ? {} : { basedOn: base }),
        savedBy: session.user.email,
      });
      toSavedVersion(res, template, version, revertTo);
    },
  );

  router.post(
    "/content/:template/test-send",
    requireRole("editor"),
    async (req, res) => {
      const template = templateOf(req);
      const to = formField(req.body, "to").trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to))
        throw new ValidationError(
          "The test send needs an email address, e.g. anna@example.com.",
          [{ path: ["to"], message: "must be an email address" }],
          "TEST_SEND_INVALID",
        );
      const mail = deps.mail;
      if (mail?.sendTest === undefined)
        throw new NotFoundError(
          "Test sends need the mailer's SMTP account in this process.",
          "TEST_SEND_UNAVAILABLE",
        );
      const pack = await previewPack(deps, mail, {
        tenantId: sessionOf(res).user.tenantId,
        template: template.name,
      });
      const rendered = previewTemplate(pack, {
        template: template.name,
        locale: template.locale,
      });
      if (!rendered.ok)
        throw new ValidationError(
          describeRenderError(rendered.error),
          [{ path: ["template"], message: rendered.error.kind }],
          "TEMPLATE_INVALID",
        );
      await mail.sendTest({
        to,
        subject: rendered.value.subject,
        html: rendered.value.html,
        text: rendered.value.text,
      });
      deps.logger.info(
        { template: template.name, locale: template.locale },
        "console test email sent",
      );
      await show(res, 200, template, { sentTo: to, to });
    },
  );
}
