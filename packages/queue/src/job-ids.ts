import { uuidV5 } from "@beklijf/core";

// Deterministic job ids: one builder per kind of job. BullMQ ids may not contain ":" and must
// not be all digits, so each is "<kind>-<uuid>". Redis deduplication is the fast path only;
// Postgres uniqueness plus a status check at fire time is the real guard.

export function statementJobId(tenantId: string, statementId: string): string {
  return `statement-${uuidV5(`statement|${tenantId}|${statementId}`)}`;
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
