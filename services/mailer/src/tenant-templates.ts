import { createTenantRenderers, type TenantRenderers } from "@beklijf/content";
import { listCurrentTemplates, templateVersionsStamp } from "@beklijf/db";
import type { Handlers } from "@beklijf/queue";

import type { MailerDeps } from "./deps";

/** How old the mailer's view of the saved templates may be when it renders, by default. */
export const DEFAULT_TEMPLATES_MAX_AGE_MS = 1_000;

/**
 * The tenants' saved template versions (console, /api/templates) over the pack's text, read from
 * the database (see createTenantRenderers).
 */
export function openTenantTemplates(
  deps: Pick<MailerDeps, "db" | "pack" | "logger">,
): TenantRenderers {
  return createTenantRenderers(
    deps.pack,
    {
      stamp: () => templateVersionsStamp(deps.db),
      current: () => listCurrentTemplates(deps.db),
    },
    {
      onProblem: ({ override, message }) => {
        deps.logger.warn(
          {
            tenantId: override.tenantId,
            template: override.template,
            locale: override.locale,
            version: override.version,
          },
          `a saved template version is not used, the pack's text is: ${message}`,
        );
      },
    },
  );
}

/**
 * `handlers` that first bring the saved templates up to date (at most `maxAgeMs` old: one small
 * query per period, shared by concurrent jobs), so an edit saved in the console is in every email
 * rendered from about a second later. A failed look fails the job, which BullMQ retries.
 */
export function withFreshTemplates(
  templates: Pick<TenantRenderers, "fresh">,
  maxAgeMs: number,
  handlers: Handlers<"deliveries">,
): Handlers<"deliveries"> {
  return {
    "delivery.send": async (payload, job, token) => {
      await templates.fresh(maxAgeMs);
      await handlers["delivery.send"](payload, job, token);
    },
  };
}
