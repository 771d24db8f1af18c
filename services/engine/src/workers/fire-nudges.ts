import { assertNever, errorMessage } from "@beklijf/core";
import {
  cancelPlan,
  type FireCheck,
  getFireChecks,
  handOffNudges,
  listMergeCandidates,
  markOutboxDispatched,
  type MergeCandidate,
  moveNudge,
  type NudgeCheck,
  type NudgeForFire,
  type NudgeHandOff,
  type NudgeRecipientRef,
  parseRuleVersion,
  skipNudges,
} from "@beklijf/db";
import {
  deliveryHandOff,
  dispatchHandOffs,
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
import type { BatchResult } from "../micro-batcher";
import { removeNudgeJobs } from "../remove-jobs";
import type { TenantConfigCache } from "../tenant-config";

const WEEK_MS = 8 * 24 * 3600 * 1000;

/** What became of one fired nudge's job: it is finished, or it waits until `until` (clock time). */
export type FireOutcome =
  { readonly kind: "done" } | { readonly kind: "delay"; readonly until: Date };

const DONE: BatchResult<FireOutcome> = { ok: true, value: { kind: "done" } };
const delayUntil = (until: Date): BatchResult<FireOutcome> => ({
  ok: true,
  value: { kind: "delay", until },
});

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
function conditionFails(
  nudge: Parameters<typeof planRule>[0] & { stepKey: string },
  /** The kinds of answer given in the nudge's plan. */
  answers: readonly { kind: string }[],
): string | undefined {
  const step = planRule(nudge)?.steps.find((s) => s.key === nudge.stepKey);
  if (step?.condition === undefined) return undefined;
  const check = checkStepCondition(step.condition, answers);
  return check.send ? undefined : check.reason;
}

/** Why a nudge may not go (skip it, or end its plan), from its plan, recipient and answers. */
type Refusal =
  | { readonly kind: "skip"; readonly reason: string }
  | { readonly kind: "stop-plan"; readonly reason: string };

/**
 * The re-check of a nudge's plan, learner, recipient and answers: `skipReason`, then the rule's
 * stop conditions on the plan's answers, then the step's condition. Undefined means it may go.
 * The one copy of these rules, for a nudge firing on its own (`decide`, before caps and the send
 * window) and for each nudge that would ride along in its email (`handOff`).
 */
function refusal(check: NudgeCheck, now: Date): Refusal | undefined {
  const { nudge, suppressed } = check;
  const reason = skipReason(nudge, now, suppressed);
  if (reason !== undefined) return { kind: "skip", reason };

  // Stop conditions on answers ("applied") end the plan (`decide`'s caller cancels what remains).
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
              { kind: "answer", answerKind: answer.kind },
            ),
          )
          .find((decision) => decision !== undefined);
  if (stop !== undefined) return { kind: "stop-plan", reason: stop.message };
  const failed = conditionFails(nudge, answers);
  if (failed !== undefined)
    return { kind: "skip", reason: `skipped: ${failed}` };
  return undefined;
}

/** What the re-check of one nudge decides, before anything is written. */
type Decision =
  | { readonly kind: "done" }
  | { readonly kind: "delay"; readonly until: Date }
  | Refusal
  | { readonly kind: "move"; readonly at: Date; readonly message: string }
  | {
      readonly kind: "hand-off";
      readonly toAddress: string;
      readonly ref: NudgeRecipientRef;
      readonly dayEnd: Date;
    };

/** The fire-time re-check of one nudge, from its bundle read from Postgres. */
async function decide(
  deps: EngineDeps,
  config: TenantConfigCache,
  check: FireCheck,
  now: Date,
  /** The end of the local day at `now` in a zone (with the policy's zone as fallback). */
  dayEndIn: (zone: string, fallbackZone: string) => Date,
): Promise<Decision> {
  const { nudge } = check;
  if (nudge.status !== "planned") return { kind: "done" }; // a replay, or it rode along
  if (deps.clock.realDelayUntil(nudge.dueAt) > 1_000)
    // Fired early (e.g. re-enqueued under another clock): wait again instead of sending.
    return { kind: "delay", until: nudge.dueAt };

  const refused = refusal(check, now);
  if (refused !== undefined) return refused;
  const toAddress =
    nudge.recipientKind === "address"
      ? nudge.recipientAddress
      : (nudge.recipient?.email ?? null);
  if (toAddress === null) return { kind: "skip", reason: "no recipient" };

  // Caps and send window, in the recipient's zone: move (never drop silently) when needed.
  const tenant = await config.get(nudge.tenantId);
  if (tenant === null)
    throw new UnrecoverableError(`Tenant ${nudge.tenantId} is gone`);
  const policy: Policy = tenant.policy;
  const zone = resolveZone(nudge.recipient?.timeZone, policy.timeZone);
  const allowed = nextAllowedSendTime(now, zone, policy, check.sentAt);
  if (!allowed.ok)
    return {
      kind: "skip",
      reason: `skipped: no free slot in the send window within ${allowed.error.searchedDays} days`,
    };
  if (allowed.value.at.getTime() - now.getTime() > 1_000)
    return {
      kind: "move",
      at: allowed.value.at,
      message: `at fire time ${movedMessage(now, allowed.value.at, zone, allowed.value.reasons, policy)}`,
    };
  return {
    kind: "hand-off",
    toAddress,
    ref:
      nudge.recipientPersonId === null
        ? { address: toAddress }
        : { personId: nudge.recipientPersonId },
    dayEnd: dayEndIn(zone, policy.timeZone),
  };
}

/** A nudge that passed its re-check, with the decision's details. */
interface Ready {
  readonly nudge: NudgeForFire;
  readonly toAddress: string;
  readonly ref: NudgeRecipientRef;
  readonly dayEnd: Date;
}

/**
 * Fires a batch of nudges (the jobs the nudges worker took within a few milliseconds): one query
 * re-checks them all from Postgres, one transaction hands off those that may go (deliveries,
 * outbox rows, status changes) and one addBulk enqueues their deliveries. Returns one result per
 * id, in order. When the batch as a whole fails (one bad row must not fail the others), it fires
 * the nudges again one by one: every step is guarded by the row's status, so the retry neither
 * loses nor repeats anything.
 */
export async function fireNudges(
  deps: EngineDeps,
  config: TenantConfigCache,
  ids: readonly string[],
): Promise<BatchResult<FireOutcome>[]> {
  try {
    return await fireTogether(deps, config, ids);
  } catch (error) {
    if (ids.length <= 1) return ids.map(() => ({ ok: false, error }));
    deps.logger.warn(
      { err: errorMessage(error), nudges: ids.length },
      "a batch of nudges failed; firing them one by one",
    );
    const results: BatchResult<FireOutcome>[] = [];
    for (const id of ids) results.push(await fireAlone(deps, config, id));
    return results;
  }
}

async function fireAlone(
  deps: EngineDeps,
  config: TenantConfigCache,
  id: string,
): Promise<BatchResult<FireOutcome>> {
  try {
    const [result] = await fireTogether(deps, config, [id]);
    return result ?? { ok: false, error: new Error(`no result for ${id}`) };
  } catch (error) {
    return { ok: false, error };
  }
}

async function fireTogether(
  deps: EngineDeps,
  config: TenantConfigCache,
  ids: readonly string[],
): Promise<BatchResult<FireOutcome>[]> {
  // The same nudge twice in a batch (a replayed job next to the original) is decided once.
  const unique = [...new Set(ids)];
  const now = deps.clock.now();
  const checks = await getFireChecks(deps.db, {
    ids: unique,
    since: new Date(now.getTime() - WEEK_MS),
  });
  // The batch shares one `now`, so the end of a local day is worked out once per zone.
  const dayEnds = new Map<string, Date>();
  const dayEndIn = (zone: string, fallbackZone: string): Date => {
    const key = `${zone}|${fallbackZone}`;
    const known = dayEnds.get(key);
    if (known !== undefined) return known;
    const end = localDayOf(now, zone, fallbackZone).end;
    dayEnds.set(key, end);
    return end;
  };
  const results = new Map<string, BatchResult<FireOutcome>>();
  const skips: { id: string; reason: string }[] = [];
  const ready: Ready[] = [];
  for (const id of unique) {
    const check = checks.get(id);
    try {
      if (check === undefined)
        throw new UnrecoverableError(`Planned nudge ${id} is gone`);
      const decision = await decide(deps, config, check, now, dayEndIn);
      switch (decision.kind) {
        case "done":
          results.set(id, DONE);
          break;
        case "delay":
          results.set(id, delayUntil(decision.until));
          break;
        case "skip":
          skips.push({ id, reason: decision.reason });
          results.set(id, DONE);
          break;
        case "stop-plan": {
          // Rare (an answer arrived): done on its own, as before batching.
          const jobIds = await cancelPlan(deps.db, {
            planId: check.nudge.planId,
            reason: decision.reason,
            at: now,
          });
          await removeNudgeJobs(
            deps,
            jobIds.filter((jobId) => jobId !== check.nudge.jobId),
          );
          results.set(id, DONE);
          break;
        }
        case "move":
          results.set(
            id,
            (await moveNudge(deps.db, id, decision.at, decision.message))
              ? delayUntil(decision.at)
              : DONE,
          );
          break;
        case "hand-off":
          ready.push({ nudge: check.nudge, ...decision });
          break;
        default:
          assertNever(decision);
      }
    } catch (error) {
      results.set(id, { ok: false, error });
    }
  }
  await skipNudges(deps.db, skips, now);
  if (skips.length > 0)
    deps.metrics.count("nudges_skipped_total", skips.length);
  for (const [id, result] of await handOff(
    deps,
    config,
    ready,
    new Set(unique),
    now,
  ))
    results.set(id, result);
  return ids.map(
    (id) =>
      results.get(id) ?? {
        ok: false,
        error: new Error(`nudge ${id} was left undecided`),
      },
  );
}

/**
 * Hands off the nudges that passed their re-check, with the other nudges of their recipient's day
 * riding along (one email per person per day), in one transaction; then enqueues the deliveries.
 */
async function handOff(
  deps: EngineDeps,
  config: TenantConfigCache,
  ready: readonly Ready[],
  batchIds: ReadonlySet<string>,
  /** The moment of the batch's re-check, which the riders' re-checks share. */
  now: Date,
): Promise<Map<string, BatchResult<FireOutcome>>> {
  const results = new Map<string, BatchResult<FireOutcome>>();
  if (ready.length === 0) return results;
  const candidates = await listMergeCandidates(
    deps.db,
    ready.map((r) => ({
      nudgeId: r.nudge.id,
      tenantId: r.nudge.tenantId,
      recipient: r.ref,
      dueBefore: r.dayEnd,
    })),
  );
  // Two ready nudges of one recipient in this batch: the first carries the second, which rides
  // along. Other nudges of this batch (skipped, moved, ...) were decided already and never do.
  const readyIds = new Set(ready.map((r) => r.nudge.id));
  const firing: { ready: Ready; merge: MergeCandidate[] }[] = [];
  const taken = new Set<string>();
  for (const r of ready) {
    if (taken.has(r.nudge.id)) continue;
    taken.add(r.nudge.id);
    const merge: MergeCandidate[] = [];
    for (const candidate of candidates.get(r.nudge.id) ?? []) {
      const { id } = candidate.nudge;
      if (batchIds.has(id) && !readyIds.has(id)) continue;
      if (taken.has(id)) continue;
      // A rider passes the same re-check as a nudge firing on its own (opt-outs, pauses, the
      // learner's current manager or team lead, stop answers, step condition); caps and the send
      // window do not apply, as it adds no email. One that fails is left planned, not skipped
      // here: the re-check decides for the moment a nudge is due, and its own job fires it then
      // (later today, or at once when it is overdue), re-checks it with the facts of that moment
      // (a pause may have ended, a manager change been undone) and records the reason or cancels
      // its plan. So this hand-off writes only the nudges that go.
      if (refusal(candidate, now) !== undefined) continue;
      merge.push(candidate);
      taken.add(id);
    }
    firing.push({ ready: r, merge });
  }
  const handed = await handOffNudges(deps.db, {
    nudges: firing.map(({ ready: r, merge }): NudgeHandOff => ({
      nudgeId: r.nudge.id,
      tenantId: r.nudge.tenantId,
      toAddress: r.toAddress,
      merge: {
        lockKey: r.nudge.recipientPersonId ?? `address:${r.toAddress}`,
        ids: merge.map((m) => m.nudge.id),
        reason: `merged into the email of ${r.nudge.template} (${r.nudge.id}): one email per person per day`,
      },
    })),
    // The moment of the hand-off, not of the re-check: `firedAt` says when the mailer got it.
    at: deps.clock.now(),
    handOff: (deliveryId, nudge) => ({
      tenantId: nudge.tenantId,
      ...deliveryHandOff(deliveryId),
    }),
  });
  deps.metrics.count(
    "nudges_handed_off_total",
    handed.deliveries.size + handed.merged.size,
  );
  const outside: string[] = [];
  for (const { ready: r, merge } of firing) {
    // Handed off now, or it had left "planned" already (a replay, or another email took it).
    results.set(r.nudge.id, DONE);
    for (const { nudge: m } of merge) {
      if (!readyIds.has(m.id)) {
        if (handed.merged.has(m.id)) outside.push(m.jobId);
      } else if (handed.merged.has(m.id)) results.set(m.id, DONE);
      // Its carrier did not go after all (it had left "planned"): this one fires on its own.
      else results.set(m.id, await fireAlone(deps, config, m.id));
    }
  }
  // Riders from outside the batch still have delayed jobs; riders in it are running now.
  await removeNudgeJobs(deps, outside);
  const deliveries = [...handed.deliveries.values()].map(deliveryHandOff);
  try {
    await dispatchHandOffs(deps.queues, deliveries);
    await markOutboxDispatched(
      deps.db,
      deliveries.map((d) => d.jobId),
    );
  } catch (error) {
    deps.logger.warn(
      { err: errorMessage(error), deliveries: deliveries.length },
      "could not enqueue the deliveries now; the outbox relay will",
    );
  }
  return results;
}
