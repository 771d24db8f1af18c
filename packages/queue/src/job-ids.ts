import { uuidV5 } from "@beklijf/core";

// Deterministic job ids: one builder per kind of job. BullMQ ids may not contain ":" and must
// not be all digits, so each is "<kind>-<uuid>". Redis deduplication is the fast path only;
// Postgres uniqueness plus a status check at fire time is the real guard.

export function statementJobId(tenantId: string, statementId: string): string {
  return `statement-${uuidV5(`statement|${tenantId}|${statementId}`)}`;
}

/**
 * A statements.process job, from its tenant and its statements in order: the same slice always
 * gets the same id, so the fast path and the outbox relay dispatching it both add one job. A
 * slice of one statement has that statement's own job id.
 */
export function statementBatchJobId(
  tenantId: string,
  statementIds: readonly string[],
): string {
  const [first] = statementIds;
  if (statementIds.length === 1 && first !== undefined)
    return statementJobId(tenantId, first);
  return `statements-${uuidV5(`statements|${tenantId}|${statementIds.join(",")}`)}`;
}

/** From the planner's natural key (rule, learner, registration or activity, step). */
export function nudgeJobId(naturalKey: string): string {
  return `nudge-${uuidV5(`nudge|${naturalKey}`)}`;
}

export function deliveryJobId(deliveryId: string): string {
  return `delivery-${deliveryId}`;
}

export function answerForwardJobId(answerId: string): string {
  return `answer-${answerId}`;
}

export function connectionPullJobId(connectionId: string): string {
  return `pull-${connectionId}`;
}
