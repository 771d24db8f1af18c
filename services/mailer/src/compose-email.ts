import { type Result, signToken } from "@beklijf/core";
import type { DeliveryForSend } from "@beklijf/db";
import {
  messagesFor,
  type RenderedEmail,
  type RenderError,
} from "@beklijf/render";
import { pickLanguage } from "@beklijf/xapi";

import type { MailerDeps } from "./deps";

export interface ComposedEmail {
  readonly rendered: RenderedEmail;
  readonly unsubscribeUrl: string;
}

/**
 * Renders a delivery for its recipient: their locale, their first name, the training's name from
 * the statement's language map, and signed, expiring links that only act for this recipient.
 */
export function composeEmail(
  deps: Pick<
    MailerDeps,
    "renderer" | "publicUrl" | "secret" | "linkTtlDays" | "clock"
  >,
  delivery: DeliveryForSend,
): Result<ComposedEmail, RenderError> {
  const person = delivery.nudge.recipient;
  const locale = person?.locale ?? delivery.tenant.defaultLocale;
  const raw = delivery.nudge.plan.trigger.raw as {
    object?: { definition?: { name?: Record<string, string> } };
  };
  const trainingName =
    pickLanguage(raw.object?.definition?.name, locale) ??
    delivery.nudge.plan.trigger.objectId;
  const givenName =
    person?.givenName ?? person?.name ?? delivery.toAddress.split("@")[0] ?? "";
  const exp =
    Math.floor(deps.clock.now().getTime() / 1000) +
    deps.linkTtlDays * 24 * 3600;
  const token = signToken(
    { purpose: "unsubscribe", sub: delivery.id, exp },
    deps.secret,
  );
  const unsubscribeUrl = `${deps.publicUrl}/u/${token}`;
  const messages = messagesFor(locale);
  const rendered = deps.renderer.render({
    template: delivery.nudge.template,
    locale,
    data: {
      learner: { givenName, name: person?.name ?? givenName },
      training: { name: trainingName },
      links: { unsubscribe: unsubscribeUrl },
      footer: {
        reason: messages.footerReason,
        unsubscribe: messages.unsubscribe,
      },
    },
  });
  return rendered.ok
    ? { ok: true, value: { rendered: rendered.value, unsubscribeUrl } }
    : rendered;
}
