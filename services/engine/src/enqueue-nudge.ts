import { enqueue } from "@beklijf/queue";

import type { EngineDeps } from "./deps";

/** A planned nudge becomes a delayed job that fires at its dueAt (as the clock counts). */
export async function enqueueNudge(
  deps: Pick<EngineDeps, "queues" | "clock">,
  nudge: { id: string; jobId: string; dueAt: Date },
): Promise<void> {
  await enqueue(
    deps.queues,
    "nudges",
    "nudge.fire",
    { plannedNudgeId: nudge.id },
    { jobId: nudge.jobId, delayMs: deps.clock.realDelayUntil(nudge.dueAt) },
  );
}
