import { errorMessage } from "@beklijf/core";
import {
  claimDeliveryAttempt,
  type DeliveryClaim,
  markDeliveryFailed,
  releaseDeliveryAttempt,
  suppressAddress,
} from "@beklijf/db";
import { type Handlers, UnrecoverableError } from "@beklijf/queue";
import { describeRenderError } from "@beklijf/render";

import { composeEmail } from "../compose-email";
import type { MailerDeps } from "../deps";
import { DEFAULT_SEND_ATTEMPT_TIMEOUT_MS } from "../transport";
import { buildMimeMessage, type MimeMessage } from "./build-mime-message";
import { createDeliveryBatches } from "./delivery-batches";

/** SMTP reply code of a nodemailer error, if the server gave one. */
function smtpCode(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" ? code : undefined;
}

/**
 * Whether the server refused the recipient itself (nodemailer names the command it answered). A 5xx
 * to AUTH or MAIL FROM is about our credentials or sender, and must not suppress the learner.
 */
function isRecipientRefusal(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { command?: unknown }).command === "RCPT TO"
  );
}

const SETTLED = new Set(["sent", "failed", "suppressed", "unknown"]);

/**
 * delivery.send: render and send one email (the delivery's nudge and the nudges merged into it).
 * Temporary failures (4xx, connection errors) throw so BullMQ retries with exponential backoff;
 * a permanent refusal of the recipient (5xx to RCPT TO) suppresses the address. At most one SMTP
 * attempt is ever in doubt, and it is never repeated (see claimDeliveryAttempt).
 *
 * Jobs that run at the same moment share their database work (see delivery-batches): one query
 * loads their deliveries, one UPDATE stamps them "sending", one records them sent. Each job still
 * sends its own email and has its own outcome; a refusal or retry of one touches no other.
 */
export function deliveryHandlers(deps: MailerDeps): Handlers<"deliveries"> {
  const staleAfterMs =
    deps.sendAttemptTimeoutMs ?? DEFAULT_SEND_ATTEMPT_TIMEOUT_MS;
  const batches = createDeliveryBatches(deps.db, deps.clock);
  const host = new URL(deps.publicUrl).hostname || "beklijf.localhost";
  /** A failure that no retry can fix (the email cannot be rendered or built): record it, stop. */
  const failForGood = async (
    deliveryId: string,
    reason: string,
  ): Promise<never> => {
    await markDeliveryFailed(deps.db, deliveryId, {
      status: "failed",
      error: reason,
    });
    deps.metrics.count("deliveries_failed_total");
    throw new UnrecoverableError(reason);
  };
  const claim = async (deliveryId: string): Promise<DeliveryClaim> =>
    (await batches.claim.run(deliveryId))
      ? { kind: "claimed" }
      : claimDeliveryAttempt(deps.db, deliveryId, {
          now: deps.clock.now(),
          staleAfterMs,
        });
  return {
    "delivery.send": async ({ deliveryId }) => {
      const delivery = await batches.load.run(deliveryId);
      if (delivery === null)
        throw new UnrecoverableError(`Delivery ${deliveryId} is gone`);
      if (SETTLED.has(delivery.status)) return; // sent or finished before
      if (delivery.status === "queued" && delivery.suppressed) {
        await markDeliveryFailed(deps.db, deliveryId, {
          status: "suppressed",
          error: "address is on the suppression list",
        });
        return;
      }
      const composed = composeEmail(deps, delivery);
      if (!composed.ok)
        return failForGood(deliveryId, describeRenderError(composed.error));
      // A stable Message-ID per delivery, so receivers can recognise the email.
      const messageId = `<delivery-${deliveryId}@${host}>`;
      let message: MimeMessage;
      try {
        // Built before the claim: the window in which a crash leaves the outcome unknown (ADR
        // 0006) holds only the SMTP exchange.
        message = buildMimeMessage({
          from: delivery.tenant.mailFrom ?? deps.mailFrom,
          to: delivery.toAddress,
          subject: composed.value.rendered.subject,
          html: composed.value.rendered.html,
          text: composed.value.rendered.text,
          messageId,
          date: deps.clock.now(),
          headers: {
            "List-Unsubscribe": `<${composed.value.unsubscribeUrl}>`,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
          },
        });
      } catch (error) {
        return failForGood(
          deliveryId,
          `the email could not be built: ${errorMessage(error)}`,
        );
      }
      const claimed = await claim(deliveryId);
      switch (claimed.kind) {
        case "claimed":
          break;
        case "finished":
          return;
        case "in-flight":
          // Another worker is inside SMTP with it; check again after the backoff.
          throw new Error(
            `delivery ${deliveryId} is being sent since ${claimed.since.toISOString()}`,
          );
        case "outcome-unknown":
          deps.logger.warn(
            { deliveryId, since: claimed.since },
            "an earlier attempt died inside SMTP; not resending",
          );
          return;
      }
      try {
        // Handed over whole: nodemailer's pool only adds the SMTP exchange.
        await deps.transport.send({ ...message, messageId });
      } catch (error) {
        const code = smtpCode(error);
        if (code !== undefined && code >= 500 && isRecipientRefusal(error)) {
          await suppressAddress(deps.db, {
            tenantId: delivery.tenantId,
            address: delivery.toAddress,
            reason: "bounced",
          });
          await markDeliveryFailed(deps.db, deliveryId, {
            status: "failed",
            error: `refused by the mail server (${code}); address suppressed`,
          });
          deps.metrics.count("deliveries_failed_total");
          deps.logger.warn(
            { deliveryId, code },
            "recipient refused permanently; address suppressed",
          );
          return;
        }
        // The server refused or the connection failed before it accepted: safe to try again.
        await releaseDeliveryAttempt(deps.db, deliveryId, errorMessage(error));
        throw error;
      }
      await batches.markSent.run({
        id: deliveryId,
        messageId,
        at: deps.clock.now(),
      });
      deps.metrics.count("deliveries_sent_total");
    },
  };
}
