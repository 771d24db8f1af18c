import { errorMessage } from "@beklijf/core";
import {
  getNudgeForFire,
  handOffNudge,
  isSuppressed,
  markOutboxDispatched,
  type NudgeForFire,
  skipNudge,
} from "@beklijf/db";
import {
  DelayedError,
  deliveryHandOff,
  dispatchHandOffs,
  type Handlers,
  UnrecoverableError,
} from "@beklijf/queue";

import type { EngineDeps } from "../deps";

/** Why a nudge is not sent; undefined means send. Decided from Postgres, never from the job. */
export function skipReason(
  nudge: NudgeForFire,
  now: Date,
  suppressed: boolean,
): string | undefined {
  if (nudge.plan.status !== "active")
    return `plan ${nudge.plan.status}${nudge.plan.cancelReason === null ? "" : `: ${nudge.plan.cancelReason}`}`;
  const person = nudge.recipient;
  if (person === null) return "no recipient";
  if (!person.active) return "recipient is inactive";
  if (person.email === null) return "recipient has no email address";
  if (person.preference?.stoppedAll === true)
    return "recipient stopped all nudges";
  if (
    person.preference?.pausedUntil != null &&
    person.preference.pausedUntil > now
  )
    return "recipient paused nudges";
  if (suppressed) return "address is on the suppression list";
  return undefined;
}

/** nudge.fire: re-check, then hand the nudge to the mailer (or record why not). */
export function nudgeHandlers(deps: EngineDeps): Handlers<"nudges"> {
  return {
    "nudge.fire": async ({ plannedNudgeId }, job, token) => {
      const nudge = await getNudgeForFire(deps.db, plannedNudgeId);
      if (nudge === null)
        throw new UnrecoverableError(`Planned nudge ${plannedNudgeId} is gone`);
      if (nudge.status !== "planned") return; // a replay: it was handled before
      const now = deps.clock.now();
      const earlyMs = deps.clock.realDelayUntil(nudge.dueAt);
      if (earlyMs > 1_000 && token !== undefined) {
        // Fired early (e.g. re-enqueued under another clock): wait again instead of sending.
        await job.moveToDelayed(Date.now() + earlyMs, token);
        throw new DelayedError();
      }
      const suppressed =
        nudge.recipient?.email == null
          ? false
          : await isSuppressed(deps.db, nudge.tenantId, nudge.recipient.email);
      const reason = skipReason(nudge, now, suppressed);
      if (reason !== undefined || nudge.recipient?.email == null) {
        await skipNudge(deps.db, nudge.id, reason ?? "no recipient", now);
        deps.metrics.count("nudges_skipped_total");
        return;
      }
      const deliveryId = await handOffNudge(deps.db, {
        nudgeId: nudge.id,
        tenantId: nudge.tenantId,
        toAddress: nudge.recipient.email,
        at: now,
        handOff: (id) => ({ tenantId: nudge.tenantId, ...deliveryHandOff(id) }),
      });
      if (deliveryId === null) return;
      deps.metrics.count("nudges_handed_off_total");
      try {
        await dispatchHandOffs(deps.queues, [deliveryHandOff(deliveryId)]);
        await markOutboxDispatched(deps.db, [
          deliveryHandOff(deliveryId).jobId,
        ]);
      } catch (error) {
        deps.logger.warn(
          { err: errorMessage(error), deliveryId },
          "could not enqueue the delivery now; the outbox relay will",
        );
      }
    },
  };
}
