import type { DbClient, PrismaClient } from "../client";
import { suppressAddress } from "./suppressions";

/**
 * Unsubscribe: the address goes on the suppression list and, when the email went to a known
 * person, that person stops all nudges. One transaction; repeating it changes nothing.
 */
export async function unsubscribe(
  db: PrismaClient,
  input: { tenantId: string; address: string; personId: string | null },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await suppressAddress(tx, {
      tenantId: input.tenantId,
      address: input.address,
      reason: "unsubscribed",
    });
    if (input.personId !== null) await stopAllNudges(tx, input.personId);
  });
}

export async function stopAllNudges(
  db: DbClient,
  personId: string,
): Promise<void> {
  await db.preference.upsert({
    where: { personId },
    update: { stoppedAll: true },
    create: { personId, stoppedAll: true },
  });
}

/** Pauses every nudge to a person until `until` (a later pause extends it, never shortens it). */
export async function pauseNudges(
  db: PrismaClient,
  input: { personId: string; until: Date },
): Promise<Date> {
  return db.$transaction(async (tx) => {
    const current = await tx.preference.findUnique({
      where: { personId: input.personId },
      select: { pausedUntil: true },
    });
    const until =
      current?.pausedUntil != null && current.pausedUntil > input.until
        ? current.pausedUntil
        : input.until;
    await tx.preference.upsert({
      where: { personId: input.personId },
      update: { pausedUntil: until },
      create: { personId: input.personId, pausedUntil: until },
    });
    return until;
  });
}

/** Stops a person's nudges about one activity (the trigger's object id); idempotent. */
export async function stopActivityNudges(
  db: DbClient,
  input: { personId: string; activityId: string },
): Promise<void> {
  // array_append only when absent, in one statement, so two clicks never add it twice.
  await db.$executeRaw`
    INSERT INTO preferences (person_id, stopped_activities, updated_at)
    VALUES (${input.personId}::uuid, ARRAY[${input.activityId}]::text[], now())
    ON CONFLICT (person_id) DO UPDATE
      SET stopped_activities = CASE
            WHEN ${input.activityId} = ANY(preferences.stopped_activities)
              THEN preferences.stopped_activities
            ELSE array_append(preferences.stopped_activities, ${input.activityId})
          END,
          updated_at = now()`;
}

export async function getPreference(db: DbClient, personId: string) {
  return db.preference.findUnique({ where: { personId } });
}
