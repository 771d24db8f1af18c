import { signToken } from "@beklijf/core";

/** Token purposes of the links in an email; a token for one purpose is refused for another. */
export const LINK_PURPOSES = {
  /** `/a/<token>`: the nudge's one action (sub = planned nudge id). */
  answer: "answer",
  /** `/p/<token>`: pause or stop (sub = planned nudge id: its person and its training). */
  preferences: "preferences",
  /** `/u/<token>`: unsubscribe the address (sub = delivery id). */
  unsubscribe: "unsubscribe",
} as const;

/** What an action link records: an answer kind and, for reflections, the levels offered. */
export interface LinkAction {
  readonly answer:
    "reflection" | "applied" | "manager-confirmed" | "manager-discussed";
  readonly levels?: readonly number[];
}

/**
 * The signed, expiring links of one nudge in an email. Each token carries only ids and the
 * action; `ttlDays` after `now` it stops working.
 */
export function signNudgeLinks(input: {
  readonly publicUrl: string;
  readonly secret: string;
  readonly now: Date;
  readonly ttlDays: number;
  readonly nudgeId: string;
  readonly deliveryId: string;
  readonly action: LinkAction;
}): { action: string; preferences: string; unsubscribe: string } {
  const exp =
    Math.floor(input.now.getTime() / 1000) + input.ttlDays * 24 * 3600;
  const data: Record<string, string> = { kind: input.action.answer };
  if (input.action.levels !== undefined)
    data["levels"] = input.action.levels.join(",");
  const sign = (purpose: string, sub: string, extra?: Record<string, string>) =>
    signToken(
      extra === undefined
        ? { purpose, sub, exp }
        : { purpose, sub, exp, data: extra },
      input.secret,
    );
  return {
    action: `${input.publicUrl}/a/${sign(LINK_PURPOSES.answer, input.nudgeId, data)}`,
    preferences: `${input.publicUrl}/p/${sign(LINK_PURPOSES.preferences, input.nudgeId)}`,
    unsubscribe: `${input.publicUrl}/u/${sign(LINK_PURPOSES.unsubscribe, input.deliveryId)}`,
  };
}
