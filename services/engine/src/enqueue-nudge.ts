import { CATALOG } from "@beklijf/queue";

import type { EngineDeps } from "./deps";

/** A planned nudge becomes a delayed job that fires at its dueAt (as the clock counts). */
export async function enqueueNudge(
  deps: Pick<EngineDeps, "queues" | "clock">,
  nudge: { id: string; jobId: string; dueAt: Date },
): Promise<void> {
  await enqueueNudges(deps, [nudge]);
}

/**
 * enqueueNudge for several nudges in one Redis round trip (BullMQ addBulk). A job id that exists
 * already is left as it is, as with a single add.
 */
export async function enqueueNudges(
  deps: Pick<EngineDeps, "queues" | "clock">,
  nudges: readonly { id: string; jobId: string; dueAt: Date }[],
): Promise<void> {
  if (nudges.length === 0) return;
  const spec = CATALOG.nudges["nudge.fire"];
  await deps.queues.nudges.addBulk(
    nudges.map((nudge) => ({
      name: "nudge.fire",
      data: spec.payload.parse({ plannedNudgeId: nudge.id }),
      opts: {
        jobId: nudge.jobId,
        delay: Math.max(0, Math.round(deps.clock.realDelayUntil(nudge.dueAt))),
        attempts: spec.attempts,
      },
    })),
  );
}

/**
 * The reconciler's check for a page of planned nudges: asks Redis for every job's state at once
 * (the commands share round trips instead of two each), replaces the jobs that finished while
 * the row still says planned (a retry budget spent during an outage), and adds the missing ones
 * with one addBulk. Returns how many jobs it added.
 */
export async function ensureNudgeJobs(
  deps: Pick<EngineDeps, "queues" | "clock">,
  nudges: readonly { id: string; jobId: string; dueAt: Date }[],
): Promise<number> {
  const queue = deps.queues.nudges;
  const states = await Promise.all(
    nudges.map((nudge) => queue.getJobState(nudge.jobId)),
  );
  const finished = nudges.filter(
    (_, i) => states[i] === "completed" || states[i] === "failed",
  );
  await Promise.all(finished.map((nudge) => queue.remove(nudge.jobId)));
  const missing = nudges.filter(
    (_, i) =>
      states[i] === "unknown" ||
      states[i] === "completed" ||
      states[i] === "failed",
  );
  await enqueueNudges(deps, missing);
  return missing.length;
}
