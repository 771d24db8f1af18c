import { errorMessage } from "@beklijf/core";
import {
  cancelPlan,
  getFireCheck,
  handOffNudge,
  listMergeCandidates,
  listPlanAnswerKinds,
  markOutboxDispatched,
  moveNudge,
  type NudgeForFire,
  type NudgeRecipientRef,
  parseRuleVersion,
  skipNudge,
} from "@beklijf/db";
import {
  DelayedError,
  deliveryHandOff,
  dispatchHandOffs,
  type Handlers,
  type Job,
  UnrecoverableError,
} from "@beklijf/queue";
import {
  checkStepCondition,
  checkStopConditions,
  localDayOf,
  movedMessage,
  nextAllowedSendTime,
  type Policy,
  resolveZone,
  triggerFactsFromStored,
} from "@beklijf/rules";

import type { EngineDeps } from "../deps";
import { removeNudgeJobs } from "../remove-jobs";
import type { TenantConfigCache } from "../tenant-config";

const WEEK_MS = 8 * 24 * 3600 * 1000;

/**
 * Why a nudge is not sent, from what Postgres says about its plan and recipient; undefined means
 * it may go (caps, window and step conditions are checked after this).
 */
export function skipReason(
  nudge: NudgeForFire,
  now: Date,
  suppressed: boolean,
): string | undefined {
  const { plan } = nudge;
  if (plan.status !== "active")
    return `plan ${plan.status}${plan.cancelReason === null ? "" : `: ${plan.cancelReason}`}`;
  if (nudge.recipientKind !== "learner" && !plan.person.active)
    return "the learner is inactive";
  if (
    nudge.recipientKind === "manager" &&
    plan.person.managerId !== nudge.recipientPersonId
  )
    return plan.person.managerId === null
      ? "the learner has no manager any more"
      : "the learner's manager changed after planning";
  if (
    nudge.recipientKind === "team-lead" &&
    plan.person.teamLeadId !== nudge.recipientPersonId
  )
    return plan.person.teamLeadId === null
      ? "the learner has no team lead any more"
      : "the learner's team lead changed after planning";
  if (
    plan.person.preference?.stoppedActivities.includes(
      plan.trigger.objectId,
    ) === true
  )
    return "the learner stopped nudges for this training";
  if (nudge.recipientKind === "address")
    return nudge.recipientAddress === null
      ? "no recipient address"
      : suppressed
        ? "address is on the suppression list"
        : undefined;
  const person = nudge.recipient;
  if (person === null) return "no recipient";
  if (!person.active) return "recipient is inactive";
  if (person.email === null) return "recipient has no email address";
  if (person.preference?.stoppedAll === true)
    return "recipient stopped all nudges";
  if (
    person.preference?.stoppedActivities.includes(plan.trigger.objectId) ===
    true
  )
    return "recipient stopped nudges for this training";
  if (
    person.preference?.pausedUntil != null &&
    person.preference.pausedUntil > now
  )
    return "recipient paused nudges";
  if (suppressed) return "address is on the suppression list";
  return undefined;
}

/** The rule version the plan started with (a rule edited later does not change it). */
function planRule(nudge: {
  plan: { ruleVersion: { id: string; definition: unknown } };
}) {
  return parseRuleVersion(
    nudge.plan.ruleVersion.id,
    nudge.plan.ruleVersion.definition,
  );
}

/** Does the step's condition (e.g. "only if not applied yet") still hold? Why not, else undefined. */
async function conditionFails(
  deps: EngineDeps,
  nudge: Parameters<typeof planRule>[0] & { planId: string; stepKey: string },
  /** The plan's answers, when the caller read them already. */
  answers?: readonly { kind: string }[],
): Promise<string | undefined> {
  const step = planRule(nudge)?.steps.find((s) => s.key === nudge.stepKey);
  if (step?.condition === undefined) return undefined;
  const check = checkStepCondition(
    step.condition,
    answers ?? (await listPlanAnswerKinds(deps.db, nudge.planId)),
  );
  return check.send ? undefined : check.reason;
}

/** nudge.fire: re-check from Postgres, then hand the nudge to the mailer (or record why not). */
export function nudgeHandlers(
  deps: EngineDeps,
  options: { config: TenantConfigCache },
): Handlers<"nudges"> {
  const delayJob = async (
    job: Job,
    token: string | undefined,
    until: Date,
  ): Promise<never> => {
    if (token === undefined)
      throw new Error("cannot delay a job without a token");
    await job.moveToDelayed(
      Date.now() + deps.clock.realDelayUntil(until),
      token,
    );
    throw new DelayedError();
  };
  return {
    "nudge.fire": async ({ plannedNudgeId }, job, token) => {
      const now = deps.clock.now();
      // One round trip for the nudge, its plan and people, suppression, answers and recent emails.
      const check = await getFireCheck(deps.db, {
        id: plannedNudgeId,
        since: new Date(now.getTime() - WEEK_MS),
      });
      if (check === null)
        throw new UnrecoverableError(`Planned nudge ${plannedNudgeId} is gone`);
      const { nudge, suppressed } = check;
      if (nudge.status !== "planned") return; // a replay, or it rode along in another email
      if (deps.clock.realDelayUntil(nudge.dueAt) > 1_000)
        // Fired early (e.g. re-enqueued under another clock): wait again instead of sending.
        return delayJob(job, token, nudge.dueAt);

      const toAddress =
        nudge.recipientKind === "address"
          ? nudge.recipientAddress
          : (nudge.recipient?.email ?? null);
      const skip = async (reason: string): Promise<void> => {
        await skipNudge(deps.db, nudge.id, reason, now);
        deps.metrics.count("nudges_skipped_total");
      };
      const reason = skipReason(nudge, now, suppressed);
      if (reason !== undefined || toAddress === null) {
        await skip(reason ?? "no recipient");
        return;
      }

      // Stop conditions on answers ("applied") end the plan: cancel what remains of it.
      const rule = planRule(nudge);
      const answers = check.answerKinds;
      const stop =
        rule === undefined
          ? undefined
          : answers
              .map((answer) =>
                checkStopConditions(
                  rule,
                  triggerFactsFromStored(nudge.plan.trigger),
                  {
                    kind: "answer",
                    answerKind: answer.kind,
                  },
                ),
              )
              .find((decision) => decision !== undefined);
      if (stop !== undefined) {
        const jobIds = await cancelPlan(deps.db, {
          planId: nudge.planId,
          reason: stop.message,
          at: now,
        });
        await removeNudgeJobs(
          deps,
          jobIds.filter((id) => id !== nudge.jobId),
        );
        return;
      }
      const failed = await conditionFails(deps, nudge, answers);
      if (failed !== undefined) {
        await skip(`skipped: ${failed}`);
        return;
      }

      // Caps and send window, in the recipient's zone: move (never drop silently) when needed.
      const config = await options.config.get(nudge.tenantId);
      if (config === null)
        throw new UnrecoverableError(`Tenant ${nudge.tenantId} is gone`);
      const { policy } = config;
      const zone = resolveZone(nudge.recipient?.timeZone, policy.timeZone);
      const ref: NudgeRecipientRef =
        nudge.recipientPersonId === null
          ? { address: toAddress }
          : { personId: nudge.recipientPersonId };
      const allowed = nextAllowedSendTime(now, zone, policy, check.sentAt);
      if (!allowed.ok) {
        await skip(
          `skipped: no free slot in the send window within ${allowed.error.searchedDays} days`,
        );
        return;
      }
      if (allowed.value.at.getTime() - now.getTime() > 1_000) {
        const message = `at fire time ${movedMessage(now, allowed.value.at, zone, allowed.value.reasons, policy)}`;
        if (await moveNudge(deps.db, nudge.id, allowed.value.at, message)) {
          return delayJob(job, token, allowed.value.at);
        }
        return;
      }

      const merge = await mergeCandidates(deps, nudge, ref, zone, policy, now);
      const deliveryId = await handOffNudge(deps.db, {
        nudgeId: nudge.id,
        tenantId: nudge.tenantId,
        toAddress,
        at: now,
        handOff: (id) => ({ tenantId: nudge.tenantId, ...deliveryHandOff(id) }),
        merge: {
          lockKey: nudge.recipientPersonId ?? `address:${toAddress}`,
          ids: merge.map((m) => m.id),
          reason: `merged into the email of ${nudge.template} (${nudge.id}): one email per person per day`,
        },
      });
      if (deliveryId === null) return;
      deps.metrics.count("nudges_handed_off_total", 1 + merge.length);
      await removeNudgeJobs(
        deps,
        merge.map((m) => m.jobId),
      );
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

/**
 * Other planned nudges for the same recipient due by the end of this local day (overdue ones
 * included) that may go now: their plan
 * is active and their step condition holds. They ride in this nudge's email. A nudge that fails
 * its own checks stays planned and fires (and is skipped with its reason) on its own.
 */
async function mergeCandidates(
  deps: EngineDeps,
  nudge: NudgeForFire,
  ref: NudgeRecipientRef,
  zone: string,
  policy: Policy,
  now: Date,
) {
  const day = localDayOf(now, zone, policy.timeZone);
  const candidates = await listMergeCandidates(deps.db, {
    tenantId: nudge.tenantId,
    recipient: ref,
    // Overdue nudges still planned (e.g. after an outage) ride along too: one email, not several.
    from: new Date(0),
    to: day.end,
    excludeId: nudge.id,
  });
  const out: typeof candidates = [];
  for (const candidate of candidates) {
    if (candidate.plan.status !== "active") continue;
    if ((await conditionFails(deps, candidate)) !== undefined) continue;
    out.push(candidate);
  }
  return out;
}
