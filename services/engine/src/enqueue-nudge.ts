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
