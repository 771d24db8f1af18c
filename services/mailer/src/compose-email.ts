import type { DeliveryForSend, NudgeForRender } from "@beklijf/db";
import {
  messagesFor,
  type NudgeContext,
  pickFromLanguageMap,
  type RenderedEmail,
  type RenderError,
  signNudgeLinks,
} from "@beklijf/render";

import type { MailerDeps } from "./deps";

export interface ComposedEmail {
  readonly rendered: RenderedEmail;
  readonly unsubscribeUrl: string;
}

/** The "apply it within about two weeks" deadline after the trigger (a practitioners' rule). */
const APPLY_WITHIN_DAYS = 14;

type ComposeDeps = Pick<
  MailerDeps,
  "pack" | "templates" | "publicUrl" | "secret" | "linkTtlDays" | "clock"
>;

/**
 * Renders a delivery for its recipient: the delivery's own nudge, then the nudges merged into it
 * (by dueAt), in one email in the recipient's locale and time zone, each with its own signed,
 * expiring action link. Nothing about anyone but the recipient and the learner it concerns.
 */
export function composeEmail(
  deps: ComposeDeps,
  delivery: DeliveryForSend,
): { ok: true; value: ComposedEmail } | { ok: false; error: RenderError } {
  const own = nudgeContext(deps, delivery, delivery.nudge);
  // The tenant's saved version of a template when there is one, else the pack's.
  const renderer =
    deps.templates?.rendererFor(delivery.tenantId) ?? deps.pack.renderer;
  const rendered = renderer.render({
    template: delivery.nudge.template,
    locale: own.locale,
    data: own,
    merged: delivery.mergedNudges.map((nudge) => ({
      template: nudge.template,
      data: nudgeContext(deps, delivery, nudge),
    })),
  });
  return rendered.ok
    ? {
        ok: true,
        value: {
          rendered: rendered.value,
          unsubscribeUrl: own.links.unsubscribe,
        },
      }
    : rendered;
}

function nudgeContext(
  deps: ComposeDeps,
  delivery: DeliveryForSend,
  nudge: NudgeForRender,
): NudgeContext {
  // The email's recipient decides language and zone, also for nudges merged into it.
  const recipient = delivery.nudge.recipient;
  const locale = recipient?.locale ?? delivery.tenant.defaultLocale;
  const timeZone = recipient?.timeZone ?? delivery.tenant.defaultTimeZone;
  const messages = messagesFor(locale);
  const learner = nudge.plan.person;
  const trigger = nudge.plan.trigger;
  const names = languageMap(trigger.objectNames);
  const action = deps.pack.actions[nudge.template];
  const links = signNudgeLinks({
    publicUrl: deps.publicUrl,
    secret: deps.secret,
    now: deps.clock.now(),
    ttlDays: deps.linkTtlDays,
    nudgeId: nudge.id,
    deliveryId: delivery.id,
    action: action ?? { answer: "manager-discussed" },
  });
  const manager = learner.manager;
  return {
    locale,
    timeZone,
    recipient: nameOf(recipient, delivery.toAddress.split("@")[0] ?? ""),
    learner: nameOf(learner, ""),
    manager:
      manager === null
        ? { givenName: messages.yourManager, name: messages.yourManager }
        : nameOf(manager, messages.yourManager),
    training: {
      name: pickFromLanguageMap(names, locale) ?? trigger.objectId,
      names,
    },
    dates: {
      trigger: trigger.timestamp.toISOString(),
      // Shown as a date only, so a DST hour either way does not matter.
      applyBy: new Date(
        trigger.timestamp.getTime() + APPLY_WITHIN_DAYS * 24 * 3600 * 1000,
      ).toISOString(),
    },
    links,
    footer: {
      reason: messages.footerReason,
      preferences: messages.preferences,
      unsubscribe: messages.unsubscribe,
    },
  };
}

function nameOf(
  person: { givenName: string | null; name: string | null } | null,
  fallback: string,
): { givenName: string; name: string } {
  const name = person?.name ?? person?.givenName ?? fallback;
  const givenName = person?.givenName ?? name.split(" ")[0] ?? name;
  return { givenName, name };
}

/** The statement's object name as a language map: its string entries (none without a map). */
function languageMap(name: unknown): Record<string, string> {
  if (typeof name !== "object" || name === null) return {};
  return Object.fromEntries(
    Object.entries(name).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}
