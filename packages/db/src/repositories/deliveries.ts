import type { DbClient } from "../client";

interface NameParts {
  readonly givenName: string | null;
  readonly name: string | null;
}

/** One nudge of an email, with what rendering it needs. */
export interface NudgeForRender {
  readonly id: string;
  readonly template: string;
  readonly dueAt: Date;
  /** The email's recipient (null for a fixed address). */
  readonly recipient:
    (NameParts & { readonly locale: string; readonly timeZone: string }) | null;
  readonly plan: {
    /** The learner, and their manager when the directory knows one. */
    readonly person: NameParts & { readonly manager: NameParts | null };
    readonly trigger: {
      /**
       * The statement's `object.definition.name` as stored (a language map, or null without
       * one): all of the statement that an email shows, so the rest is not read or parsed.
       */
      readonly objectNames: unknown;
      readonly objectId: string;
      readonly timestamp: Date;
    };
  };
}

/** A delivery with its own nudge and the nudges merged into it (by dueAt). */
export interface DeliveryForSend {
  readonly id: string;
  readonly tenantId: string;
  readonly status: string;
  readonly toAddress: string;
  /** Whether the address is on the tenant's suppression list. */
  readonly suppressed: boolean;
  readonly tenant: {
    readonly defaultLocale: string;
    readonly defaultTimeZone: string;
    readonly mailFrom: string | null;
  };
  readonly nudge: NudgeForRender;
  readonly mergedNudges: readonly NudgeForRender[];
}

interface SendRow {
  id: string;
  tenant_id: string;
  status: string;
  to_address: string;
  suppressed: boolean;
  default_locale: string;
  default_time_zone: string;
  mail_from: string | null;
  own: boolean;
  nudge_id: string;
  template: string;
  due_at: Date;
  r_id: string | null;
  r_locale: string | null;
  r_time_zone: string | null;
  r_given_name: string | null;
  r_name: string | null;
  l_given_name: string | null;
  l_name: string | null;
  m_id: string | null;
  m_given_name: string | null;
  m_name: string | null;
  object_names: unknown;
  object_id: string;
  timestamp: Date;
}

/**
 * A delivery with what rendering and sending need, in one query (the mailer's hot path: Prisma's
 * nested includes would cost a query per relation and level): the delivery, its tenant, whether
 * the address is suppressed, and each nudge of the email (its own first, then the merged ones by
 * dueAt) with recipient, learner, the learner's manager and the trigger statement.
 */
export async function getDeliveryForSend(
  db: DbClient,
  id: string,
): Promise<DeliveryForSend | null> {
  return (await getDeliveriesForSend(db, [id])).get(id) ?? null;
}

/**
 * Many deliveries as `getDeliveryForSend` loads one, in one query: the mailer loads the deliveries
 * of the jobs that run at the same moment together. Ids that are gone are missing from the map.
 */
export async function getDeliveriesForSend(
  db: DbClient,
  ids: readonly string[],
): Promise<Map<string, DeliveryForSend>> {
  if (ids.length === 0) return new Map();
  // The leading comment names the statement for the mailer, which prepares it (its text is fixed).
  const rows = await db.$queryRaw<SendRow[]>`/* mailer:load-deliveries */
    SELECT d.id::text AS id, d.tenant_id::text AS tenant_id, d.status, d.to_address,
      EXISTS (SELECT 1 FROM suppressions x
              WHERE x.tenant_id = d.tenant_id AND x.address = lower(d.to_address)) AS suppressed,
      t.default_locale, t.default_time_zone, t.mail_from,
      (n.id = d.planned_nudge_id) AS own, n.id::text AS nudge_id, n.template, n.due_at,
      r.id::text AS r_id, r.locale AS r_locale, r.time_zone AS r_time_zone,
      r.given_name AS r_given_name, r.name AS r_name,
      p.given_name AS l_given_name, p.name AS l_name,
      m.id::text AS m_id, m.given_name AS m_given_name, m.name AS m_name,
      s.raw #> '{object,definition,name}' AS object_names, s.object_id, s.timestamp
    FROM deliveries d
    JOIN tenants t ON t.id = d.tenant_id
    JOIN planned_nudges n ON n.id = d.planned_nudge_id OR n.merged_into_delivery_id = d.id
    JOIN plans pl ON pl.id = n.plan_id
    JOIN people p ON p.id = pl.person_id
    LEFT JOIN people m ON m.id = p.manager_id
    LEFT JOIN people r ON r.id = n.recipient_person_id
    JOIN statements s ON s.tenant_id = pl.tenant_id AND s.id = pl.trigger_statement_id
    WHERE d.id = ANY(${[...ids]}::uuid[])
    ORDER BY d.id, own DESC, n.due_at, n.id`;
  const byDelivery = new Map<string, SendRow[]>();
  for (const row of rows) {
    const own = byDelivery.get(row.id);
    if (own === undefined) byDelivery.set(row.id, [row]);
    else own.push(row);
  }
  const deliveries = new Map<string, DeliveryForSend>();
  for (const [id, own] of byDelivery) {
    const delivery = toDeliveryForSend(own);
    if (delivery !== null) deliveries.set(id, delivery);
  }
  return deliveries;
}

/** One delivery's rows (its own nudge first) as a DeliveryForSend; null without its own nudge. */
function toDeliveryForSend(rows: readonly SendRow[]): DeliveryForSend | null {
  const [first] = rows;
  if (first?.own !== true) return null;
  const nudgeOf = (row: SendRow): NudgeForRender => ({
    id: row.nudge_id,
    template: row.template,
    dueAt: row.due_at,
    recipient:
      row.r_id === null
        ? null
        : {
            givenName: row.r_given_name,
            name: row.r_name,
            locale: row.r_locale ?? first.default_locale,
            timeZone: row.r_time_zone ?? first.default_time_zone,
          },
    plan: {
      person: {
        givenName: row.l_given_name,
        name: row.l_name,
        manager:
          row.m_id === null
            ? null
            : { givenName: row.m_given_name, name: row.m_name },
      },
      trigger: {
        objectNames: row.object_names,
        objectId: row.object_id,
        timestamp: row.timestamp,
      },
    },
  });
  return {
    id: first.id,
    tenantId: first.tenant_id,
    status: first.status,
    toAddress: first.to_address,
    suppressed: first.suppressed,
    tenant: {
      defaultLocale: first.default_locale,
      defaultTimeZone: first.default_time_zone,
      mailFrom: first.mail_from,
    },
    nudge: nudgeOf(first),
    mergedNudges: rows.slice(1).map(nudgeOf),
  };
}

/** What `claimDeliveryAttempt` found. */
export type DeliveryClaim =
  /** The row was queued and is now "sending", stamped: hand it to SMTP. */
  | { readonly kind: "claimed" }
  /** Sent, failed, suppressed or unknown before: nothing to do. */
  | { readonly kind: "finished"; readonly status: string }
  /** Another attempt is inside SMTP right now (stamped less than `staleAfterMs` ago). */
  | { readonly kind: "in-flight"; readonly since: Date }
  /** An attempt died inside SMTP: it may or may not have been accepted. Now "unknown". */
  | { readonly kind: "outcome-unknown"; readonly since: Date };

/**
 * Claims a delivery for one SMTP attempt: queued -> sending with `attemptStartedAt = now`. A row
 * already "sending" belongs to an attempt that never recorded its outcome: while it is younger
 * than `staleAfterMs` it may still be running; older, its process died between handing the
 * message to SMTP and recording the answer, so it is marked "unknown" and never sent again.
 * This bounds duplicates to zero at the price of an email that may be lost, visibly
 * (docs/decisions/0006-at-most-one-smtp-attempt-in-doubt.md).
 */
export async function claimDeliveryAttempt(
  db: DbClient,
  id: string,
  options: { now: Date; staleAfterMs: number },
): Promise<DeliveryClaim> {
  const claimed = await db.delivery.updateMany({
    where: { id, status: "queued" },
    data: {
      status: "sending",
      attempts: { increment: 1 },
      attemptStartedAt: options.now,
    },
  });
  if (claimed.count === 1) return { kind: "claimed" };
  const row = await db.delivery.findUnique({
    where: { id },
    select: { status: true, attemptStartedAt: true },
  });
  if (row === null) return { kind: "finished", status: "gone" };
  if (row.status !== "sending") return { kind: "finished", status: row.status };
  const since = row.attemptStartedAt ?? new Date(0);
  if (options.now.getTime() - since.getTime() < options.staleAfterMs)
    return { kind: "in-flight", since };
  const marked = await db.delivery.updateMany({
    where: { id, status: "sending", attemptStartedAt: row.attemptStartedAt },
    data: {
      status: "unknown",
      lastError: `an attempt started at ${since.toISOString()} died after handing the email to SMTP; not resent, to avoid a duplicate`,
    },
  });
  return marked.count === 1
    ? { kind: "outcome-unknown", since }
    : claimDeliveryAttempt(db, id, options);
}

/**
 * Claims many queued deliveries at once, as `claimDeliveryAttempt` claims one: each row that is
 * "queued" and not locked by another transaction becomes "sending", stamped with `now`, in one
 * UPDATE. Returns the ids it claimed; for any other id, `claimDeliveryAttempt` decides (it may be
 * finished, in flight, or an attempt whose outcome is unknown). Rows are locked in id order and
 * locked ones skipped, so two claims that share rows never wait on each other in a cycle.
 */
export async function claimDeliveryAttempts(
  db: DbClient,
  ids: readonly string[],
  options: { now: Date },
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const claimed = await db.$queryRaw<
    { id: string }[]
  >`/* mailer:claim-deliveries */
    WITH queued AS (
      SELECT id FROM deliveries
      WHERE id = ANY(${[...ids]}::uuid[]) AND status = 'queued'
      ORDER BY id
      FOR UPDATE SKIP LOCKED
    )
    UPDATE deliveries d
    SET status = 'sending', attempts = d.attempts + 1, attempt_started_at = ${options.now}
    FROM queued WHERE d.id = queued.id
    RETURNING d.id::text AS id`;
  return new Set(claimed.map((row) => row.id));
}

/** An attempt failed before SMTP accepted the email: back to queued for the next retry. */
export async function releaseDeliveryAttempt(
  db: DbClient,
  id: string,
  error: string,
): Promise<void> {
  await db.delivery.updateMany({
    where: { id, status: "sending" },
    data: { status: "queued", lastError: error, attemptStartedAt: null },
  });
}

export async function markDeliverySent(
  db: DbClient,
  id: string,
  input: { messageId: string; at: Date },
): Promise<void> {
  await db.delivery.update({
    where: { id },
    data: {
      status: "sent",
      messageId: input.messageId,
      sentAt: input.at,
      lastError: null,
    },
  });
}

/** Records many deliveries as sent (SMTP accepted each one), in one UPDATE. */
export async function markDeliveriesSent(
  db: DbClient,
  sent: readonly { id: string; messageId: string; at: Date }[],
): Promise<void> {
  if (sent.length === 0) return;
  await db.$executeRaw`/* mailer:mark-deliveries-sent */
    UPDATE deliveries d
    SET status = 'sent', message_id = v.message_id, sent_at = v.sent_at, last_error = NULL
    FROM unnest(${sent.map((s) => s.id)}::uuid[], ${sent.map((s) => s.messageId)}::text[],
                ${sent.map((s) => s.at)}::timestamptz[]) AS v(id, message_id, sent_at)
    WHERE d.id = v.id`;
}

export async function markDeliveryFailed(
  db: DbClient,
  id: string,
  input: { status: "failed" | "suppressed"; error: string },
): Promise<void> {
  await db.delivery.update({
    where: { id },
    data: { status: input.status, lastError: input.error },
  });
}

/**
 * Deliveries still to send ("queued" or "sending") created more than `olderThanSeconds` ago
 * (Postgres time, like `created_at`), for the reconciler to make sure each has a job.
 */
export async function listUnsentDeliveries(
  db: DbClient,
  options: { olderThanSeconds: number; limit: number; afterId?: string },
): Promise<{ id: string }[]> {
  const afterId = options.afterId ?? "00000000-0000-0000-0000-000000000000";
  return db.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM deliveries
    WHERE status IN ('queued', 'sending')
      AND created_at <= now() - make_interval(secs => ${options.olderThanSeconds})
      AND id > ${afterId}::uuid
    ORDER BY id
    LIMIT ${options.limit}`;
}

/** Deliveries of a tenant that did not go out (failed, suppressed, unknown), newest first. */
export async function listUndeliveredDeliveries(
  db: DbClient,
  tenantId: string,
  options: { limit: number },
) {
  return db.delivery.findMany({
    where: { tenantId, status: { in: ["failed", "suppressed", "unknown"] } },
    orderBy: { createdAt: "desc" },
    take: options.limit,
    select: {
      id: true,
      toAddress: true,
      status: true,
      lastError: true,
      attempts: true,
      createdAt: true,
    },
  });
}

/** A delivery with its recipient, for the pages behind the links in its email. */
export async function getDeliveryForLink(db: DbClient, id: string) {
  return db.delivery.findUnique({
    where: { id },
    include: { nudge: { include: { recipient: true } } },
  });
}
