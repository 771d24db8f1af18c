import { listPullSchedules } from "@beklijf/db";
import { connectionPullJobId } from "@beklijf/queue";

import type { IngestDeps } from "../deps";

const PULL_SCHEDULER_PREFIX = connectionPullJobId("");

/**
 * Makes the lrs queue's job schedulers match Postgres: one repeating `connection.pull` per
 * enabled pull connection, every `pullIntervalSeconds`, keyed by `connectionPullJobId`; a
 * scheduler whose connection was disabled, removed or switched to push is removed. Postgres is
 * the truth (the admin API writes only there), so this runs at start and every few seconds; the
 * pull job itself also skips a connection that is no longer an enabled pull connection.
 * Schedulers whose interval is unchanged are left alone, so their next run is not pushed back.
 */
export async function syncPullSchedules(
  deps: Pick<IngestDeps, "db" | "queues">,
): Promise<{ added: number; removed: number }> {
  const wanted = await listPullSchedules(deps.db);
  const existing = await deps.queues.lrs.getJobSchedulers(0, -1);
  const everyById = new Map(existing.map((s) => [s.key, s.every]));
  let added = 0;
  let removed = 0;
  const keep = new Set<string>();
  for (const connection of wanted) {
    const id = connectionPullJobId(connection.id);
    const every = connection.pullIntervalSeconds * 1000;
    keep.add(id);
    if (everyById.get(id) === every) continue;
    await deps.queues.lrs.upsertJobScheduler(
      id,
      { every },
      {
        name: "connection.pull",
        data: { connectionId: connection.id },
        opts: { attempts: 1 },
      },
    );
    added += 1;
  }
  for (const scheduler of existing)
    if (
      scheduler.key.startsWith(PULL_SCHEDULER_PREFIX) &&
      !keep.has(scheduler.key)
    ) {
      await deps.queues.lrs.removeJobScheduler(scheduler.key);
      removed += 1;
    }
  return { added, removed };
}
