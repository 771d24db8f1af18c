import { previewTemplate } from "@beklijf/content";
import { NotFoundError, ValidationError } from "@beklijf/core";
import { listSuppressions, listUndeliveredDeliveries } from "@beklijf/db";
import { describeRenderError } from "@beklijf/render";
import express, { type Response, Router } from "express";
import type { z } from "zod";

import {
  ListLimitQuery,
  PreviewRequest,
  TestSendRequest,
} from "../api-schemas";
import type { MailPreviewPort, WebDeps } from "../deps";
import { parseBody, tenantOf } from "../http/request-parts";
import { requireRole, requireToken } from "../http/require-token";
import { previewPack } from "../template-edits";

/**
 * The mailer's part of the admin API: `GET /suppressions` (addresses we will not mail, and
 * deliveries that did not go out), `POST /preview` and `POST /test-send` (editors). Each route
 * authenticates itself, so the public /api/openapi.json stays public.
 */
export function mailApiRouter(deps: WebDeps): Router {
  const router = Router();
  const json = express.json({ limit: "100kb" });

  router.get(
    "/suppressions",
    requireToken(deps),
    requireRole("viewer"),
    async (req, res) => {
      const { limit } = parseBody(ListLimitQuery, req.query, "Invalid query.");
      const tenantId = String(res.locals["tenantId"]);
      const [suppressions, undelivered] = await Promise.all([
        listSuppressions(deps.db, tenantId, { limit }),
        listUndeliveredDeliveries(deps.db, tenantId, { limit }),
      ]);
      res.json({ suppressions, undelivered });
    },
  );

  router.post(
    "/preview",
    requireToken(deps),
    requireRole("editor"),
    json,
    async (req, res) => {
      const input = parseBody(
        PreviewRequest,
        req.body,
        "Invalid preview request.",
      );
      res.json(await render(deps, mailOf(deps), tenantOf(res), input));
    },
  );

  router.post(
    "/test-send",
    requireToken(deps),
    requireRole("editor"),
    json,
    async (req, res: Response) => {
      const input = parseBody(TestSendRequest, req.body, "Invalid test send.");
      const mail = mailOf(deps);
      if (mail.sendTest === undefined)
        throw new NotFoundError(
          "Test sends need the mailer's SMTP account in this process.",
          "TEST_SEND_UNAVAILABLE",
        );
      const email = await render(deps, mail, tenantOf(res), input);
      const { messageId } = await mail.sendTest({ to: input.to, ...email });
      deps.logger.info(
        { template: input.template, locale: email.locale },
        "test email sent",
      );
      res.status(202).json({ messageId, subject: email.subject });
    },
  );

  return router;
}

function mailOf(deps: WebDeps): MailPreviewPort {
  if (deps.mail === undefined)
    throw new NotFoundError(
      "Previews need a content pack in this process.",
      "PREVIEW_UNAVAILABLE",
    );
  return deps.mail;
}

/** The tenant's saved version of the template when there is one, else the pack's. */
async function render(
  deps: Pick<WebDeps, "db">,
  mail: MailPreviewPort,
  tenantId: string,
  input: z.output<typeof PreviewRequest>,
): Promise<{ subject: string; html: string; text: string; locale: string }> {
  const pack = await previewPack(deps, mail, {
    tenantId,
    template: input.template,
  });
  const rendered = previewTemplate(pack, input);
  if (rendered.ok) return rendered.value;
  throw new ValidationError(
    rendered.error.kind === "unknown-template"
      ? `The pack has no template "${input.template}".`
      : describeRenderError(rendered.error),
    [
      {
        path:
          rendered.error.kind === "unknown-template" ? ["template"] : ["data"],
        message: rendered.error.kind,
      },
    ],
    "TEMPLATE_INVALID",
  );
}
