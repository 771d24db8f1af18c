import { checkTemplateEdit, previewTemplate } from "@beklijf/content";
import { NotFoundError, ValidationError } from "@beklijf/core";
import {
  describeRenderError,
  type RenderError,
  sampleContext,
} from "@beklijf/render";
import type { Request, Response, Router } from "express";

import type { MailPreviewPort, WebDeps } from "../deps";
import { requireRole } from "./auth";
import { formField, pageContext, routeParam } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

type Sources = NonNullable<MailPreviewPort["pack"]["sources"]>;
type Parts = { subject: string; html: string; text?: string };

function packOf(deps: Pick<WebDeps, "mail">): {
  mail: MailPreviewPort;
  sources: Sources;
} {
  const sources = deps.mail?.pack.sources;
  if (deps.mail === undefined || sources === undefined)
    throw new NotFoundError(
      "This process has no content pack loaded, so there are no templates to show.",
      "CONTENT_UNAVAILABLE",
    );
  return { mail: deps.mail, sources };
}

/** The pack's locales, fallback first. */
function localesOf(sources: Sources): string[] {
  const all = Object.keys(sources.templates).sort();
  return [
    sources.fallbackLocale,
    ...all.filter((l) => l !== sources.fallbackLocale),
  ].filter((l) => all.includes(l));
}

/** A rendered email for an iframe's srcdoc, or the renderer's problem. */
function previewIn(
  mail: MailPreviewPort,
  template: string,
  locale: string,
): { locale: string; subject?: string; html?: string; error?: string } {
  const rendered = previewTemplate(mail.pack, { template, locale });
  return rendered.ok
    ? {
        locale,
        subject: rendered.value.subject,
        html: rendered.value.html,
      }
    : { locale, error: describeRenderError(rendered.error) };
}

/**
 * Content: the pack's templates per locale, and per template its source, a preview in every
 * locale side by side (sandboxed iframes with srcdoc: no scripts, the page's strict CSP), a
 * check of an edited source (checkTemplateEdit) and a test send through the mailer's SMTP
 * account. Edits are not stored: the pack's files are the source of truth (see the page).
 */
export function mountContentPages(
  router: Router,
  deps: Pick<WebDeps, "mail" | "logger">,
  render: ConsoleRender,
): void {
  router.get("/content", (_req, res) => {
    const context = pageContext(res, "", "content");
    const { mail, sources } = packOf(deps);
    const locales = localesOf(sources);
    const names = Object.keys(mail.pack.actions).sort();
    res.type("html").send(
      render(
        "content",
        { ...context, title: translate(context.locale, "content.title") },
        {
          pack: { name: sources.name, title: mail.pack.title ?? sources.name },
          locales,
          templates: names.map((name) => ({
            name,
            answer: mail.pack.actions[name]?.answer,
            locales: locales.map((locale) => ({
              locale,
              has: sources.templates[locale]?.[name] !== undefined,
              subject: sources.templates[locale]?.[name]?.subject ?? "",
            })),
          })),
        },
      ),
    );
  });

  const templateOf = (req: Request): { name: string; locale: string } => {
    const { sources, mail } = packOf(deps);
    const name = routeParam(req.params["template"]) ?? "";
    if (mail.pack.actions[name] === undefined)
      throw new NotFoundError(
        `The pack has no template "${name}".`,
        "TEMPLATE_NOT_FOUND",
      );
    const asked = formField(req.body, "locale") || req.query["locale"];
    const locale =
      typeof asked === "string" && sources.templates[asked] !== undefined
        ? asked
        : sources.fallbackLocale;
    return { name, locale };
  };

  const show = (
    res: Response,
    status: number,
    template: { name: string; locale: string },
    extra: {
      parts?: Parts;
      problem?: RenderError;
      checked?: { subject: string; html: string };
      sentTo?: string;
      to?: string;
    } = {},
  ) => {
    const { mail, sources } = packOf(deps);
    const context = pageContext(res, template.name, "content");
    const saved = sources.templates[template.locale]?.[template.name];
    const parts = extra.parts ?? saved ?? { subject: "", html: "" };
    const problem =
      extra.problem === undefined
        ? undefined
        : {
            text: describeRenderError(extra.problem),
            locale: extra.problem.locale,
            template: extra.problem.template,
            part: "part" in extra.problem ? extra.problem.part : undefined,
            line: "line" in extra.problem ? extra.problem.line : undefined,
          };
    res
      .status(status)
      .type("html")
      .send(
        render("template", context, {
          template: template.name,
          locale: template.locale,
          locales: localesOf(sources).map((l) => ({
            locale: l,
            current: l === template.locale,
          })),
          parts: { ...parts, hasText: parts.text !== undefined },
          previews: localesOf(sources).map((l) =>
            previewIn(mail, template.name, l),
          ),
          problem,
          checked: extra.checked,
          canSend: mail.sendTest !== undefined,
          sentTo: extra.sentTo,
          to: extra.to ?? "",
        }),
      );
  };

  router.get("/content/:template", (req, res) => {
    show(res, 200, templateOf(req));
  });

  router.post("/content/:template/check", requireRole("editor"), (req, res) => {
    const template = templateOf(req);
    const { sources } = packOf(deps);
    const text = formField(req.body, "text");
    const parts: Parts = {
      subject: formField(req.body, "subject"),
      html: formField(req.body, "html"),
      ...(text.trim() === "" ? {} : { text }),
    };
    const checked = checkTemplateEdit(
      { sources },
      { locale: template.locale, template: template.name, parts },
    );
    if (!checked.ok) {
      show(res, 400, template, { parts, problem: checked.error });
      return;
    }
    const rendered = checked.value.render({
      template: template.name,
      locale: template.locale,
      data: sampleContext(template.locale),
    });
    if (!rendered.ok) {
      show(res, 400, template, { parts, problem: rendered.error });
      return;
    }
    show(res, 200, template, {
      parts,
      checked: { subject: rendered.value.subject, html: rendered.value.html },
    });
  });

  router.post(
    "/content/:template/test-send",
    requireRole("editor"),
    async (req, res) => {
      const template = templateOf(req);
      const { mail } = packOf(deps);
      const to = formField(req.body, "to").trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to))
        throw new ValidationError(
          "The test send needs an email address, e.g. anna@example.com.",
          [{ path: ["to"], message: "must be an email address" }],
          "TEST_SEND_INVALID",
        );
      if (mail.sendTest === undefined)
        throw new NotFoundError(
          "Test sends need the mailer's SMTP account in this process.",
          "TEST_SEND_UNAVAILABLE",
        );
      const rendered = previewTemplate(mail.pack, {
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
      show(res, 200, template, { sentTo: to, to });
    },
  );
}
